import type { PostgresTableNames } from "./postgres-sql.ts";

/**
 * The statements of the operator actions and views (retry, cancel, delete, counts by
 * name, activity). Same conventions as
 * `postgres-sql.ts`: values are parameters, the clock is `statement_timestamp()`.
 *
 * Every write is one statement whose WHERE names the states it accepts. "Not running"
 * is `is_complete OR locked_until IS NULL OR locked_until <= now`: a row a claim leased
 * has a live `locked_until`, and under READ COMMITTED an UPDATE/DELETE that waited for a
 * claim's row lock re-checks its WHERE on the claimed row and skips it. The other way
 * round, a claim's `SKIP LOCKED` passes over a row an action holds, and finds it finished
 * or gone once the action commits.
 */

/** Not finished and not leased by a live worker. */
const NOT_RUNNING =
  "(is_complete OR locked_until IS NULL OR locked_until <= statement_timestamp())";

const RETRY_SET = `
    is_complete = false,
    retry_count = 0,
    completed_at = NULL,
    failed_at = NULL,
    locked_by = NULL,
    locked_until = NULL,
    -- A failed cron run comes back as a one-off: its schedule already has a pending row
    -- (the unique pending-cron index allows only one).
    cron_expression = NULL,
    scheduled_at = statement_timestamp(),
    updated_at = statement_timestamp()`;

/** $1 id. Only a failed job; `last_error` stays as the history of what went wrong. */
export const retryJob = (n: PostgresTableNames) => `
  UPDATE ${n.table} SET ${RETRY_SET}
  WHERE id = $1 AND is_complete AND failed_at IS NOT NULL`;

/** Every failed job, or (`byName`) those named $1. */
export const retryFailedJobs = (n: PostgresTableNames, byName: boolean) => `
  UPDATE ${n.table} SET ${RETRY_SET}
  WHERE is_complete AND failed_at IS NOT NULL${byName ? " AND name = $1" : ""}`;

/** $1 id. Pending or scheduled (not finished, no live lease). */
export const cancelJob = (n: PostgresTableNames) => `
  UPDATE ${n.table} SET
    is_complete = true,
    completed_at = statement_timestamp(),
    cancelled_at = statement_timestamp(),
    locked_by = NULL,
    locked_until = NULL,
    updated_at = statement_timestamp()
  WHERE id = $1 AND NOT is_complete
    AND (locked_until IS NULL OR locked_until <= statement_timestamp())`;

/** $1 id. Any state but running. */
export const deleteJob = (n: PostgresTableNames) => `
  DELETE FROM ${n.table} WHERE id = $1 AND ${NOT_RUNNING}`;

/** Wakes listening workers after a retry ($1 channel). */
export const notify = () => "SELECT pg_notify($1, '')";

/**
 * Per-name counts by state, in two halves joined by name: unfinished rows (the partial
 * claim index's rows; usually few) classified by lease and schedule, and finished history
 * — all of it (a full scan: O(history)), or with `finishedSince` only rows finished at or
 * after $1, an index-only range scan of the done index.
 */
export const countJobsByName = (n: PostgresTableNames, finishedSince: boolean) => `
  WITH open AS (
    SELECT name,
      count(*) FILTER (WHERE locked_until > statement_timestamp()) AS running,
      count(*) FILTER (WHERE (locked_until IS NULL OR locked_until <= statement_timestamp())
        AND scheduled_at > statement_timestamp()) AS scheduled,
      count(*) FILTER (WHERE (locked_until IS NULL OR locked_until <= statement_timestamp())
        AND scheduled_at <= statement_timestamp()) AS pending
    FROM ${n.table} WHERE NOT is_complete GROUP BY name
  ), finished AS (
    SELECT name,
      count(*) FILTER (WHERE failed_at IS NULL AND cancelled_at IS NULL) AS completed,
      count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed,
      count(*) FILTER (WHERE cancelled_at IS NOT NULL) AS cancelled
    FROM ${n.table}
    WHERE is_complete${finishedSince ? " AND completed_at >= $1::timestamptz" : ""}
    GROUP BY name
  )
  SELECT name,
    coalesce(open.pending, 0) AS pending, coalesce(open.scheduled, 0) AS scheduled,
    coalesce(open.running, 0) AS running, coalesce(finished.completed, 0) AS completed,
    coalesce(finished.failed, 0) AS failed, coalesce(finished.cancelled, 0) AS cancelled
  FROM open FULL JOIN finished USING (name)
  ORDER BY name`;

/** $1 since, $2 bucket ms: finished rows per bucket, from the done index. */
export const jobActivity = (n: PostgresTableNames) => `
  SELECT floor(extract(epoch FROM completed_at - $1::timestamptz) * 1000 / $2::float8)::bigint
      AS bucket,
    count(*) FILTER (WHERE failed_at IS NULL AND cancelled_at IS NULL) AS completed,
    count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed
  FROM ${n.table}
  WHERE is_complete AND completed_at >= $1::timestamptz
  GROUP BY 1 ORDER BY 1`;
