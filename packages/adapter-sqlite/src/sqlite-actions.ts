/**
 * The statements of the operator actions and views (retry, cancel, delete, counts by
 * name, activity). Same conventions as `sqlite-sql.ts`: `@name`
 * parameters, times are epoch milliseconds bound as `@now`.
 *
 * Every write is one statement whose WHERE names the states it accepts; SQLite runs one
 * writer at a time, so a claim and an action on the same row simply happen in order and
 * the second one sees what the first wrote ("not running" = finished or no live lease).
 */

const RETRY_SET = `
  is_complete = 0,
  retry_count = 0,
  completed_at = NULL,
  failed_at = NULL,
  locked_by = NULL,
  locked_until = NULL,
  cron_expression = NULL,
  scheduled_at = @now,
  updated_at = @now`;

/**
 * Only a failed job; `last_error` stays as history. A failed cron run comes back as a
 * one-off (`cron_expression = NULL`): its schedule already has its own pending row.
 */
export function retryJob(table: string): string {
  return `UPDATE ${table} SET ${RETRY_SET}
WHERE id = @id AND is_complete = 1 AND failed_at IS NOT NULL`;
}

export function retryFailedJobs(table: string, byName: boolean): string {
  return `UPDATE ${table} SET ${RETRY_SET}
WHERE is_complete = 1 AND failed_at IS NOT NULL${byName ? " AND name = @name" : ""}`;
}

/** Pending or scheduled: not finished, no live lease. */
export function cancelJob(table: string): string {
  return `UPDATE ${table} SET
  is_complete = 1,
  completed_at = @now,
  cancelled_at = @now,
  locked_by = NULL,
  locked_until = NULL,
  updated_at = @now
WHERE id = @id AND is_complete = 0 AND (locked_until IS NULL OR locked_until <= @now)`;
}

/** Any state but running. */
export function deleteJob(table: string): string {
  return `DELETE FROM ${table}
WHERE id = @id AND (is_complete = 1 OR locked_until IS NULL OR locked_until <= @now)`;
}

// Counts use `count(*) FILTER`: `sum(<comparison>)` is NULL when the compared column is
// NULL on every row of a group (e.g. no row was ever leased).

/** Unfinished rows by name (the partial claim index's rows), classified at @now. */
export function countOpenJobsByName(table: string): string {
  return `SELECT name,
  count(*) FILTER (WHERE locked_until > @now) AS running,
  count(*) FILTER (WHERE (locked_until IS NULL OR locked_until <= @now)
    AND scheduled_at > @now) AS scheduled,
  count(*) FILTER (WHERE (locked_until IS NULL OR locked_until <= @now)
    AND scheduled_at <= @now) AS pending
FROM ${table} WHERE is_complete = 0 GROUP BY name`;
}

/** Finished rows by name (all, or since @since), from the covering `finished_idx`. */
export function countFinishedJobsByName(table: string, since: boolean): string {
  return `SELECT name,
  sum(failed_at IS NULL AND cancelled_at IS NULL) AS completed,
  sum(failed_at IS NOT NULL) AS failed,
  sum(cancelled_at IS NOT NULL) AS cancelled
FROM ${table} WHERE is_complete = 1${since ? " AND completed_at >= @since" : ""} GROUP BY name`;
}

/**
 * Finished rows per bucket of @bucketMs since @since (the completed_at index). The CASTs
 * keep the division integral: better-sqlite3 may bind a JS number as REAL.
 */
export function jobActivity(table: string): string {
  return `SELECT (completed_at - CAST(@since AS INTEGER)) / CAST(@bucketMs AS INTEGER) AS bucket,
  sum(failed_at IS NULL AND cancelled_at IS NULL) AS completed,
  sum(failed_at IS NOT NULL) AS failed
FROM ${table}
WHERE is_complete = 1 AND completed_at >= @since
GROUP BY 1 ORDER BY 1`;
}
