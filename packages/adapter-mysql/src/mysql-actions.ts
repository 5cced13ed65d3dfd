/**
 * The statements of the operator actions and views (retry, cancel, delete, counts by
 * name, activity). Same conventions as `mysql-sql.ts`: `?`
 * parameters, UTC `DATETIME(3)` times, the clock is `UTC_TIMESTAMP(3)`.
 *
 * Every write is one statement whose WHERE names the states it accepts. InnoDB's UPDATE
 * and DELETE read the latest committed row under its lock, so an action that waited for
 * a claim's lock sees the lease the claim wrote and leaves the row alone; a claim's
 * `SKIP LOCKED` passes over a row an action holds and later finds it finished or gone.
 */

const RETRY_SET =
  "is_complete = 0, retry_count = 0, completed_at = NULL, failed_at = NULL, " +
  "locked_by = NULL, locked_until = NULL, cron_expression = NULL, " +
  "scheduled_at = UTC_TIMESTAMP(3), updated_at = UTC_TIMESTAMP(3)";

/**
 * Params: id. Only a failed job; `last_error` stays as history. A failed cron run comes
 * back as a one-off (`cron_expression = NULL`): its schedule has its own pending row.
 */
export function retryJob(table: string): string {
  return (
    `UPDATE ${table} SET ${RETRY_SET} ` +
    "WHERE id = ? AND is_complete = 1 AND failed_at IS NOT NULL"
  );
}

/** Params: [name]. */
export function retryFailedJobs(table: string, byName: boolean): string {
  return (
    `UPDATE ${table} SET ${RETRY_SET} ` +
    `WHERE is_complete = 1 AND failed_at IS NOT NULL${byName ? " AND name = ?" : ""}`
  );
}

/** Params: id. Pending or scheduled: not finished, no live lease. */
export function cancelJob(table: string): string {
  return (
    `UPDATE ${table} SET is_complete = 1, completed_at = UTC_TIMESTAMP(3), ` +
    "cancelled_at = UTC_TIMESTAMP(3), locked_by = NULL, locked_until = NULL, " +
    "updated_at = UTC_TIMESTAMP(3) " +
    "WHERE id = ? AND is_complete = 0 " +
    "AND (locked_until IS NULL OR locked_until <= UTC_TIMESTAMP(3))"
  );
}

/** Params: id. Any state but running. */
export function deleteJob(table: string): string {
  return (
    `DELETE FROM ${table} WHERE id = ? ` +
    "AND (is_complete = 1 OR locked_until IS NULL OR locked_until <= UTC_TIMESTAMP(3))"
  );
}

/**
 * Per-name counts: unfinished rows (the claim index's `is_complete = 0` range) and
 * finished history (the covering `finished` index; with `since`, param: the rows finished
 * at or after it), summed by name.
 */
export function countJobsByName(table: string, since: boolean): string {
  const free = "(locked_until IS NULL OR locked_until <= UTC_TIMESTAMP(3))";
  return (
    "SELECT name, SUM(pending) AS pending, SUM(scheduled) AS scheduled, " +
    "SUM(running) AS running, SUM(completed) AS completed, SUM(failed) AS failed, " +
    "SUM(cancelled) AS cancelled FROM (" +
    "SELECT name, " +
    `SUM(${free} AND scheduled_at <= UTC_TIMESTAMP(3)) AS pending, ` +
    `SUM(${free} AND scheduled_at > UTC_TIMESTAMP(3)) AS scheduled, ` +
    "SUM(locked_until > UTC_TIMESTAMP(3)) AS running, " +
    "0 AS completed, 0 AS failed, 0 AS cancelled " +
    `FROM ${table} WHERE is_complete = 0 GROUP BY name ` +
    "UNION ALL " +
    "SELECT name, 0, 0, 0, SUM(failed_at IS NULL AND cancelled_at IS NULL), " +
    "SUM(failed_at IS NOT NULL), SUM(cancelled_at IS NOT NULL) " +
    `FROM ${table} WHERE is_complete = 1${since ? " AND completed_at >= ?" : ""} GROUP BY name` +
    ") AS counts GROUP BY name ORDER BY name"
  );
}

/** Params: since, bucket ms, since. Finished rows per bucket, from the covering `finished` index. */
export function jobActivity(table: string): string {
  return (
    "SELECT FLOOR(TIMESTAMPDIFF(MICROSECOND, ?, completed_at) / 1000 / ?) AS bucket, " +
    "SUM(failed_at IS NULL AND cancelled_at IS NULL) AS completed, " +
    "SUM(failed_at IS NOT NULL) AS failed " +
    `FROM ${table} WHERE is_complete = 1 AND completed_at >= ? ` +
    "GROUP BY bucket ORDER BY bucket"
  );
}
