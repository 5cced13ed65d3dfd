import type { JobState } from "@docket/core";
import { type JobOutcomeKind, outcomeSetClause, stateConditions } from "@docket/core/adapter";
import { rowsExaminedClause } from "./mysql-bounded-walk.ts";
import { foldedPriorityFilter } from "./mysql-folded-probe.ts";

/**
 * Every statement of the MySQL adapter, one named builder per statement. Values are
 * always `?` parameters (sent with server-side prepared statements, so the session's
 * `sql_mode` — e.g. `NO_BACKSLASH_ESCAPES` or `ANSI_QUOTES` — cannot change how they are
 * read); the only thing spliced is the table name, validated by core's
 * `validateTableName` (letters, digits, `_`), and the number of `?` in an IN-list.
 *
 * Portability (MySQL 8.0+, MariaDB 10.6+, strict or not):
 * - times are `DATETIME(3)` holding UTC; the clock is `UTC_TIMESTAMP(3)`, never `NOW()`,
 *   so the session `time_zone` never matters. Within one statement it is constant.
 * - string literals use single quotes (`ANSI_QUOTES` safe), `CONCAT()` not `||`
 *   (`PIPES_AS_CONCAT` safe), no `GROUP BY` (`ONLY_FULL_GROUP_BY` safe).
 * - in a single-table UPDATE, MySQL evaluates assignments left to right and later ones
 *   see earlier results, while MariaDB with `SIMULTANEOUS_ASSIGNMENT` reads the old
 *   values: assignments that read a column come before the assignment of that column, so
 *   both evaluation orders give the same result.
 */

/** Columns of a job row in the order `mysql-rows.ts` expects (never the generated column). */
export const JOB_COLUMNS =
  "id, name, data, priority, scheduled_at, handler_timeout, retry_count, is_complete, " +
  "created_at, updated_at, locked_by, locked_until, last_error, completed_at, failed_at, " +
  "cron_expression, cancelled_at";

/** `?, ?, ?` */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => "?").join(", ");
}

/** The server's clock. */
export const selectNow = "SELECT UTC_TIMESTAMP(3) AS now";

/**
 * Read once per adapter: the packet limit for enqueue, the id step of multi-row inserts,
 * and the connection character set (values must travel as utf8mb4).
 */
export const selectServerSettings =
  "SELECT @@max_allowed_packet AS max_allowed_packet, " +
  "@@auto_increment_increment AS auto_increment_increment, " +
  "@@character_set_client AS character_set_client";

// ---------------------------------------------------------------------------------------
// Enqueue

const INSERT_COLUMNS =
  "(name, data, priority, scheduled_at, handler_timeout, retry_count, is_complete, " +
  "created_at, updated_at, cron_expression)";
/** One row of `insertJobs`: name, data, priority, scheduled_at (null: now), handler_timeout. */
const INSERT_ROW =
  "(?, ?, ?, COALESCE(?, UTC_TIMESTAMP(3)), ?, 0, 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), NULL)";
export const INSERT_ROW_PARAMS = 5;

/**
 * Multi-row insert of new jobs. Ids: InnoDB gives the rows of one multi-row
 * `INSERT ... VALUES` consecutive auto-increment values (a "simple insert": the row count
 * is known up front, so in every `innodb_autoinc_lock_mode`, 0, 1 and MySQL 8's default
 * 2, the statement reserves one block), `insertId` is the first, and the others follow
 * by `@@auto_increment_increment` in input order.
 * Differs from Postgres: no `RETURNING id` on MySQL (MariaDB has `INSERT ... RETURNING`
 * since 10.5, MySQL 8 does not).
 */
export function insertJobs(table: string, rows: number): string {
  return `INSERT INTO ${table} ${INSERT_COLUMNS} VALUES ${Array.from({ length: rows }, () => INSERT_ROW).join(", ")}`;
}

/** One row of `insertCronJobs`: name, data, priority, scheduled_at, cron_expression. */
const INSERT_CRON_ROW = "(?, ?, ?, ?, NULL, 0, 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), ?)";
export const INSERT_CRON_ROW_PARAMS = 5;

/**
 * Inserts pending cron rows unless a pending row for the name exists: the UNIQUE index
 * on the generated `cron_pending_name` column decides, and the no-op update swallows only
 * that duplicate. Differs from Postgres: `ON CONFLICT DO NOTHING` does not exist; not
 * `INSERT IGNORE`, which would also turn other errors (bad values, truncation) into
 * warnings.
 */
export function insertCronJobs(table: string, rows: number): string {
  return (
    `INSERT INTO ${table} ${INSERT_COLUMNS} VALUES ` +
    `${Array.from({ length: rows }, () => INSERT_CRON_ROW).join(", ")} ON DUPLICATE KEY UPDATE id = id`
  );
}

// ---------------------------------------------------------------------------------------
// Claim

/** Most distinct priorities `selectPriorities` lists before the claim stops using them. */
export const MAX_CLAIM_PRIORITIES = 64;

/**
 * The priorities that have unfinished jobs, each with whether its earliest job is due,
 * and the clock (one row with NULL priority when the queue is empty). The inner GROUP BY
 * on the claim index's prefix `(is_complete, priority)` is a loose index scan ("Using
 * index for group-by": one seek per priority, however many rows share it).
 * Why: with the claim index `(is_complete, priority, scheduled_at, id)`, a claim that
 * finds fewer than `LIMIT` due jobs in a priority walks all of that priority's
 * future-scheduled rows (and locks them, under REPEATABLE READ). `priority IN (...)` over
 * the priorities that have due jobs turns the scan into one range per priority that ends
 * at `scheduled_at <= now`, and a queue with nothing due answers without a transaction.
 * Stops after `MAX_CLAIM_PRIORITIES + 1` priorities (then the claim goes without the list).
 * `future`: the priority also has future-scheduled rows (MIN and MAX of one column keep
 * the loose index scan). Not run after a claim that came back full while the walk from
 * the start of the claim index begins in due rows (no future rows, or, with MariaDB's
 * bounded walk, the lowest priority is due): the claim then goes without the list (see
 * `MysqlAdapter.claim`).
 * Differs from Postgres: Postgres has the same walk but no next-key locks. (A recursive
 * CTE of MIN() seeks did the same job here in 4–6 ms at 20,000 rows; MariaDB does not
 * optimise its correlated MIN. This takes 0.4 ms.)
 * Sent as text (COM_QUERY), not prepared: it has no values, and on MariaDB 10.11 its
 * prepared execution took a median 4–15 ms (p90 19–42 ms) against 0.9–1.8 ms as text
 * while a concurrency-10 drain ran on a table with 50,000 rows of history and 25,000
 * future rows; the server's own time for it was 0.15–0.3 ms
 * (`packages/bench/src/cost/mysql-probe-protocol.ts`).
 */
export function selectPriorities(table: string): string {
  return (
    "SELECT clock.docket_now, grouped.priority, grouped.due, grouped.future FROM " +
    "(SELECT UTC_TIMESTAMP(3) AS docket_now) AS clock LEFT JOIN (" +
    "SELECT priority, MIN(scheduled_at) <= UTC_TIMESTAMP(3) AS due, " +
    "MAX(scheduled_at) > UTC_TIMESTAMP(3) AS future " +
    `FROM ${table} WHERE is_complete = 0 GROUP BY is_complete, priority ` +
    `ORDER BY priority LIMIT ${MAX_CLAIM_PRIORITIES + 1}` +
    ") AS grouped ON TRUE"
  );
}

/**
 * Locks up to `LIMIT` eligible rows, skipping rows another transaction holds, and reads
 * them whole. A row whose lease expired (`locked_by` still set) is eligible whatever its
 * retry count: when that lost attempt was its last one the claim finishes it
 * (`finishExhausted`) instead of leasing it. The rows are read whole because the update
 * that follows only sets values known to the caller, so the returned records are derived
 * from these rows without a third statement. Walks the
 * claim index `(is_complete, priority, scheduled_at, id)` in order and stops after
 * `LIMIT` matches, so completed history (is_complete = 1) is never visited; with
 * `priorities` (a count of `?`, or the slots of `foldedProbe`'s variables), only the due
 * part of each priority (see `selectPriorities`).
 * With `rowsExamined` (the LIMIT, as a number), the walk is bounded (`rowsExaminedClause`).
 * Params: maxRetryCount, ...names, ...priorities, limit.
 * The priorities are cast: mysql2 sends JS numbers as DOUBLE, and MariaDB does not use
 * an INT index range for a DOUBLE parameter — the claim then examined every unfinished
 * row (70 ms on 20,000 jobs instead of 0.4 ms).
 * Differs from Postgres: no CTE feeding `UPDATE ... RETURNING`; MySQL has neither
 * data-modifying CTEs nor `RETURNING`, so claim is SELECT ... FOR UPDATE SKIP LOCKED +
 * UPDATE in one short transaction.
 */
export function selectClaimable(
  table: string,
  nameCount: number,
  priorities: number | { foldedSlots: number } | null,
  ordered: boolean,
  rowsExamined: number | null = null,
): string {
  return (
    `SELECT ${JOB_COLUMNS}, UTC_TIMESTAMP(3) AS docket_now FROM ${table} ` +
    "WHERE is_complete = 0 AND scheduled_at <= UTC_TIMESTAMP(3) " +
    "AND (retry_count < ? OR locked_by IS NOT NULL) " +
    "AND (locked_until IS NULL OR locked_until <= UTC_TIMESTAMP(3)) " +
    `AND name IN (${placeholders(nameCount)}) ` +
    (priorities === null
      ? ""
      : typeof priorities === "number"
        ? `AND priority IN (${Array.from({ length: priorities }, () => "CAST(? AS SIGNED)").join(", ")}) `
        : foldedPriorityFilter(priorities.foldedSlots)) +
    (ordered ? "ORDER BY priority, scheduled_at, id " : "") +
    "LIMIT ? " +
    (rowsExamined === null ? "" : rowsExaminedClause(rowsExamined)) +
    "FOR UPDATE SKIP LOCKED"
  );
}

/**
 * Leases the rows `selectClaimable` locked. A row that still carries a lease token had
 * its lease expire: that attempt died with its worker, so it counts as a failure.
 * Params: LEASE_EXPIRED_ERROR, leaseToken, lockedUntil, now, ...ids.
 */
export function leaseJobs(table: string, idCount: number): string {
  return (
    `UPDATE ${table} SET retry_count = retry_count + IF(locked_by IS NULL, 0, 1), ` +
    "last_error = IF(locked_by IS NULL, last_error, ?), " +
    "locked_by = ?, locked_until = ?, updated_at = ? " +
    `WHERE id IN (${placeholders(idCount)})`
  );
}

/**
 * Finishes, as failed, claimed rows whose expired lease held their last attempt, in the
 * claim's transaction: the lost attempt is counted unless the row had none left (a row an
 * older version stranded). Params: maxRetryCount, LEASE_EXPIRED_ERROR, now, now, now,
 * ...ids.
 */
export function finishExhausted(table: string, idCount: number): string {
  return (
    `UPDATE ${table} SET retry_count = retry_count + IF(retry_count < ?, 1, 0), ` +
    "last_error = ?, is_complete = 1, completed_at = ?, failed_at = ?, updated_at = ?, " +
    `locked_by = NULL, locked_until = NULL WHERE id IN (${placeholders(idCount)})`
  );
}

// ---------------------------------------------------------------------------------------
// Heartbeat and complete

/**
 * Extends leases still held. Params: leaseMs, ...ids, ...(id, leaseToken) pairs.
 * The `id IN` list lets the optimizer use the primary key; the row constructor is the
 * exact guard. Differs from Postgres: no `RETURNING`, so lost leases are found by
 * `selectHeldLeases` when fewer rows matched than were asked for.
 */
export function extendLeases(table: string, count: number): string {
  return (
    `UPDATE ${table} SET locked_until = UTC_TIMESTAMP(3) + INTERVAL ? * 1000 MICROSECOND, ` +
    "updated_at = UTC_TIMESTAMP(3) " +
    `WHERE id IN (${placeholders(count)}) AND is_complete = 0 ` +
    `AND (id, locked_by) IN (${Array.from({ length: count }, () => "(?, ?)").join(", ")})`
  );
}

/** Which of the given rows are still running under a lease. Params: ...ids. */
export function selectHeldLeases(table: string, count: number): string {
  return `SELECT id, locked_by FROM ${table} WHERE id IN (${placeholders(count)}) AND is_complete = 0`;
}

/**
 * Locks the rows of a batch of outcomes by primary key so that the guard
 * (`locked_by = token AND is_complete = 0`), checked on the locked rows, stays true
 * until the transaction's updates land. Params: ...ids.
 * Differs from Postgres: one guarded `UPDATE ... RETURNING` per kind there; here the
 * guard is read under lock because MySQL cannot return the ids an UPDATE touched.
 */
export function lockOutcomeRows(table: string, count: number): string {
  return (
    `SELECT id, locked_by, is_complete, UTC_TIMESTAMP(3) AS docket_now FROM ${table} ` +
    `WHERE id IN (${placeholders(count)}) FOR UPDATE`
  );
}

/**
 * One succeeded job, guard included, as a single autocommit statement (the common case
 * of a worker at low concurrency): the lease-token guard is in the WHERE clause, so
 * `affectedRows` 1 = recorded, 0 = lost. UTC_TIMESTAMP is fixed for the statement, so
 * both columns get the same instant. Params: id, leaseToken.
 */
export function markOneSucceededGuarded(table: string): string {
  return (
    `UPDATE ${table} SET ${outcomeSetClause("succeeded", { now: "UTC_TIMESTAMP(3)", error: "NULL", rescheduledAt: "scheduled_at", true: "1" })} ` +
    "WHERE id = ? AND locked_by = ? AND is_complete = 0"
  );
}

/** `deleteJobOnCompletion` twin of `markOneSucceededGuarded`. Params: id, leaseToken. */
export function deleteOneGuarded(table: string): string {
  return `DELETE FROM ${table} WHERE id = ? AND locked_by = ? AND is_complete = 0`;
}

/** `CASE id WHEN ? THEN ? ... END`: per-row values in one statement. Params: (id, value) pairs. */
function caseById(count: number): string {
  return `CASE id ${Array.from({ length: count }, () => "WHEN ? THEN ?").join(" ")} END`;
}

/**
 * The outcomes of one kind, per-row values through `CASE id`, the `SET` list rendered from
 * core's `OUTCOME_EFFECTS` (`outcomeAssignments`). Params, in the order of that list:
 * `last_error` → ...(id, error) pairs, `scheduled_at` → ...(id, scheduledAt|null) pairs (a
 * null keeps it), each `*_at = now` → now; then ...ids.
 */
export function markOutcomes(table: string, kind: JobOutcomeKind, count: number): string {
  const set = outcomeSetClause(kind, {
    now: "?",
    error: caseById(count),
    rescheduledAt: `COALESCE(${caseById(count)}, scheduled_at)`,
    true: "1",
  });
  return `UPDATE ${table} SET ${set} WHERE id IN (${placeholders(count)})`;
}

/** Params: ...ids. */
export function deleteJobs(table: string, count: number): string {
  return `DELETE FROM ${table} WHERE id IN (${placeholders(count)})`;
}

// ---------------------------------------------------------------------------------------
// Cron

/**
 * The pending cron rows, locked for the sync. `cron_pending_name` is non-null exactly for
 * pending cron rows (see migration 1), so this reads its unique index.
 */
export function selectPendingCron(table: string): string {
  return (
    `SELECT id, name, cron_expression, priority FROM ${table} ` +
    "WHERE cron_pending_name IS NOT NULL FOR UPDATE"
  );
}

/** Re-times a changed definition. Params: cron_expression, priority, data, scheduled_at, id. */
export function updateCronJob(table: string): string {
  return (
    `UPDATE ${table} SET cron_expression = ?, priority = ?, data = ?, scheduled_at = ?, ` +
    "updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND is_complete = 0 AND cron_expression IS NOT NULL"
  );
}

/**
 * Session-scoped named lock for migrations and cron sync. Lock names are server-wide, so
 * the name hashes database and table (MySQL limits names to 64 characters).
 * Params: table name, timeout seconds. Returns 1 (got it), 0 (timed out) or NULL (error).
 * Differs from Postgres: `pg_advisory_xact_lock` ends with the transaction; `GET_LOCK`
 * lives until `RELEASE_LOCK` or the session ends, so callers release it in `finally`.
 */
export const getLock =
  "SELECT GET_LOCK(CONCAT('docket:', SHA1(CONCAT(DATABASE(), '.', ?))), ?) AS acquired";
export const releaseLock =
  "SELECT RELEASE_LOCK(CONCAT('docket:', SHA1(CONCAT(DATABASE(), '.', ?)))) AS released";

// ---------------------------------------------------------------------------------------
// Reads and housekeeping

/** Params: id. */
export function selectJob(table: string): string {
  return `SELECT ${JOB_COLUMNS} FROM ${table} WHERE id = ?`;
}

/** The `JobState` rules of core's `JOB_STATE_RULES`, at the statement's clock. */
const STATE_CONDITIONS = stateConditions({
  now: "UTC_TIMESTAMP(3)",
  isTrue: (column) => `${column} = 1`,
  isFalse: (column) => `${column} = 0`,
});

/** Newest first. Params: [name], [beforeId], limit. */
export function listJobs(
  table: string,
  byName: boolean,
  state: JobState | undefined,
  paged: boolean,
  cronOnly: boolean,
): string {
  const conditions: string[] = [];
  if (byName) conditions.push("name = ?");
  if (state !== undefined) conditions.push(STATE_CONDITIONS[state]);
  if (paged) conditions.push("id < ?");
  if (cronOnly) conditions.push("cron_expression IS NOT NULL");
  const where = conditions.length === 0 ? "" : ` WHERE ${conditions.join(" AND ")}`;
  return `SELECT ${JOB_COLUMNS} FROM ${table}${where} ORDER BY id DESC LIMIT ?`;
}

/**
 * Queue counts in one statement. The incomplete counts read only `is_complete = 0` rows
 * (claim index range); failed history is counted in a subquery.
 */
export function selectCounts(table: string): string {
  return (
    "SELECT COALESCE(SUM(scheduled_at <= UTC_TIMESTAMP(3)), 0) AS pending_count, " +
    "COALESCE(SUM(scheduled_at > UTC_TIMESTAMP(3)), 0) AS scheduled_count, " +
    "COALESCE(SUM(locked_until > UTC_TIMESTAMP(3)), 0) AS running_count, " +
    `(SELECT COUNT(*) FROM ${table} WHERE is_complete = 1 AND failed_at IS NOT NULL) AS failed_count ` +
    `FROM ${table} WHERE is_complete = 0`
  );
}

/**
 * Deletes a batch of finished rows, oldest first, along the `(is_complete, completed_at)`
 * index. Params: completedBefore, limit.
 * Differs from Postgres: MySQL's single-table DELETE takes ORDER BY/LIMIT directly.
 */
export function deleteFinished(table: string): string {
  return (
    `DELETE FROM ${table} WHERE is_complete = 1 AND completed_at < ? ` +
    "ORDER BY completed_at LIMIT ?"
  );
}
