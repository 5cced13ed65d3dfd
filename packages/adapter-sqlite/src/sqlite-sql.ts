import type { JobState } from "@docket/core";
import { type JobOutcomeKind, outcomeSetClause, stateConditions } from "@docket/core/adapter";
import { JOB_ROW_COLUMNS } from "./sqlite-rows.ts";

/**
 * Every statement of the SQLite adapter, one named builder per statement. Values are
 * always bound parameters (`@name`); the only spliced text is the table name, validated
 * by core's `validateTableName`. Times are INTEGER epoch milliseconds bound from the
 * process clock (`@now`), so every statement of one operation sees the same instant.
 */

/**
 * Statement texts of the per-job path, built once per key. Building one (and hashing a
 * fresh ~500-character string for the prepared-statement cache) cost ~1–1.5 µs per
 * statement, several times per job; a text taken from here is the same string object
 * every time, whose hash V8 keeps.
 */
const builtTexts = new Map<string, string>();

function builtOnce(key: string, build: () => string): string {
  let text = builtTexts.get(key);
  if (text === undefined) {
    text = build();
    builtTexts.set(key, text);
  }
  return text;
}

/** Rows per multi-row INSERT: 7 parameters each stays far below SQLite's 32766 limit. */
export const INSERT_CHUNK_ROWS = 500;

const INSERT_COLUMNS =
  "name, data, priority, scheduled_at, handler_timeout, created_at, updated_at";

/**
 * Differs from Postgres: one `(?, ?, ...)` group per row instead of `unnest` of arrays
 * (SQLite has no array parameters); ids come back via RETURNING in arbitrary order, so
 * the caller sorts them (AUTOINCREMENT hands them out in row order).
 */
export function insertJobs(table: string, rowCount: number): string {
  const row = "(?, ?, ?, ?, ?, ?, ?)";
  const rows = new Array<string>(rowCount).fill(row).join(", ");
  return `INSERT INTO ${table} (${INSERT_COLUMNS}) VALUES ${rows} RETURNING id`;
}

/** Leases a job only while it is eligible; an expired previous lease counts as a failed attempt. */
const CLAIM_SET = `
  locked_by = @leaseToken,
  locked_until = @now + @leaseMs,
  updated_at = @now,
  retry_count = retry_count + (CASE WHEN locked_by IS NULL THEN 0 ELSE 1 END),
  last_error = CASE WHEN locked_by IS NULL THEN last_error ELSE @leaseExpiredError END`;

/**
 * A row whose lease expired (`locked_by` still set) is eligible whatever its retry count:
 * if that lost attempt was its last one, the claim finishes it (see `finishExhausted`).
 */
function claimEligible(nameCount: number): string {
  return `
    is_complete = 0
    AND ${inValues("name", "name", nameCount)}
    AND scheduled_at <= @now
    AND (retry_count < @maxRetryCount OR locked_by IS NOT NULL)
    AND (locked_until IS NULL OR locked_until <= @now)`;
}

/**
 * Up to this many values, `IN` lists one parameter per value (`@id0, @id1, …`); past it
 * the values come as one JSON array parameter (`@ids`) read with `json_each`. Why:
 * `json_each` is a virtual table the statement opens, parses and (for `IN`) copies into
 * an ephemeral index on every run — 3–4 µs more per claim(1) SELECT, timed alone, and
 * the same again in the lease UPDATE, against ~3 µs for the whole SELECT without it.
 * One statement is prepared per count, so the bound also caps the cache.
 */
export const MAX_LISTED_VALUES = 16;

/** The statement shape `inValues` renders for `count` values: a cache key part. */
function listShape(count: number): number {
  return Math.min(count, MAX_LISTED_VALUES + 1);
}

/** `column IN (…)` over `count` values bound by `valueParams(prefix, values)`. */
export function inValues(column: string, prefix: string, count: number): string {
  if (count > MAX_LISTED_VALUES) return `${column} IN (SELECT value FROM json_each(@${prefix}s))`;
  const names = Array.from({ length: count }, (_, i) => `@${prefix}${i}`);
  return `${column} IN (${names.join(", ")})`;
}

/** The parameters `inValues(column, prefix, values.length)` reads, added to `params`. */
export function valueParams(
  params: Record<string, unknown>,
  prefix: string,
  values: readonly unknown[],
): Record<string, unknown> {
  if (values.length > MAX_LISTED_VALUES) params[`${prefix}s`] = JSON.stringify(values);
  else for (let i = 0; i < values.length; i++) params[`${prefix}${i}`] = values[i];
  return params;
}

/**
 * The claim's first step: the ids of up to @limit eligible jobs, in spec order, each
 * with `exhausted` = 1 (read as array rows `[id, exhausted]`, see `preparedPositional`) when its expired lease held its last attempt (or an older version
 * left it with none).
 * Differs from Postgres: no `FOR UPDATE SKIP LOCKED` — the claim runs every step in one
 * `BEGIN IMMEDIATE` transaction, and SQLite has one writer at a time, so no other claim
 * sees the rows in between. Names are bound as listed parameters (see `inValues`).
 * `INDEXED BY` the claim index (migration 1): without it the planner prefers the
 * dashboard's `(name, id)` index (migration 6) for the `name IN` term and then sorts every
 * pending row of those names — O(queue) per claim, 0.6 ms at 3,000 pending jobs against
 * 0.05 ms. SQLite refuses to prepare the statement if the index stops being usable, so a
 * later change to these terms fails loudly instead of slowing down.
 */
export function selectClaimable(
  table: string,
  ignoreSorting: boolean,
  nameCount: number,
  limit: number,
): string {
  const literal = isLiteralLimit(limit);
  const key = `claim ${table} ${ignoreSorting} ${listShape(nameCount)} ${literal ? limit : "@"}`;
  return builtOnce(key, () => {
    const order = ignoreSorting ? "" : "ORDER BY priority, scheduled_at, id";
    return `SELECT id, (locked_by IS NOT NULL AND retry_count + 1 >= @maxRetryCount) AS exhausted
FROM ${table} INDEXED BY ${table}_claim_idx
WHERE ${claimEligible(nameCount)}
${order}
LIMIT ${literal ? limit : "@limit"}`;
  });
}

/**
 * Claim limits up to this are written into the statement as a literal; larger ones are
 * bound as `@limit`. Why: with `LIMIT @limit` the claim(1) SELECT cost 10–14 µs per run,
 * with `LIMIT 1` 3.3–3.7 µs — same plan, same bytecode but for loading the limit. That is
 * the cost of SQLite preparing the statement again on every run, which it does when the
 * planner read a parameter's bound value (as it does a LIMIT's) and that parameter is
 * bound anew. One statement per limit, so the bound caps the cache; past it the extra
 * cost is spread over a large batch.
 */
export const MAX_LITERAL_LIMIT = 128;

function isLiteralLimit(limit: number): boolean {
  return Number.isSafeInteger(limit) && limit >= 0 && limit <= MAX_LITERAL_LIMIT;
}

/**
 * Finishes, as failed, the claimed rows (JSON array @ids) whose expired lease held their
 * last attempt: the lost attempt is counted unless the row already had none left (a row
 * an older version stranded). Returns what the cron successors need.
 */
export function finishExhausted(table: string): string {
  return `UPDATE ${table}
SET retry_count = retry_count + (CASE WHEN retry_count < @maxRetryCount THEN 1 ELSE 0 END),
  last_error = @leaseExpiredError, is_complete = 1, completed_at = @now, failed_at = @now,
  updated_at = @now, locked_by = NULL, locked_until = NULL
WHERE id IN (SELECT value FROM json_each(@ids))
RETURNING id, name, cron_expression, priority`;
}

/** `finishExhausted` with `deleteOnFinish`. */
export function deleteExhausted(table: string): string {
  return `DELETE FROM ${table} WHERE id IN (SELECT value FROM json_each(@ids))
RETURNING id, name, cron_expression, priority`;
}

/**
 * The claim's second step: leases the selected ids (see `inValues`) and returns their rows
 * as `JOB_ROW_COLUMNS` arrays (see `preparedPositional`). Two statements in one
 * transaction measured twice as fast as one `UPDATE ... WHERE id IN (SELECT ...)
 * RETURNING *` (75 µs against 150 µs for a claim of one job). RETURNING order is
 * unspecified: the adapter sorts the rows.
 */
export function leaseJobs(table: string, idCount: number): string {
  return builtOnce(
    `lease ${table} ${listShape(idCount)}`,
    () => `UPDATE ${table} SET ${CLAIM_SET}
WHERE ${inValues("id", "id", idCount)}
RETURNING ${JOB_ROW_COLUMNS}`,
  );
}

/** The lease guard of every outcome: only the holder of this attempt's token may write. */
const LEASE_GUARD = "id = @id AND locked_by = @leaseToken AND is_complete = 0";

export function extendLease(table: string): string {
  return `UPDATE ${table} SET locked_until = @now + @leaseMs WHERE ${LEASE_GUARD}`;
}

/**
 * One outcome of `kind`, its `SET` list rendered from core's `OUTCOME_EFFECTS`. Binds
 * @id, @leaseToken, @now, and @error / @retryDelayMs when the kind writes them.
 */
export function completeOutcome(table: string, kind: JobOutcomeKind): string {
  return builtOnce(`outcome ${table} ${kind}`, () => renderOutcome(table, kind));
}

function renderOutcome(table: string, kind: JobOutcomeKind): string {
  const set = outcomeSetClause(kind, {
    now: "@now",
    error: "@error",
    rescheduledAt:
      "CASE WHEN @retryDelayMs IS NULL THEN scheduled_at ELSE @now + @retryDelayMs END",
    true: "1",
  });
  return `UPDATE ${table} SET ${set} WHERE ${LEASE_GUARD}`;
}

export function deleteFinished(table: string): string {
  return `DELETE FROM ${table} WHERE ${LEASE_GUARD}`;
}

/**
 * A cron row. `ON CONFLICT DO NOTHING` lets the unique pending-cron index drop a second
 * pending row for the name silently, and (unlike `INSERT OR IGNORE`) hides no NOT NULL or
 * CHECK violation.
 */
export function insertCronJob(table: string): string {
  return `INSERT INTO ${table}
  (name, data, priority, scheduled_at, created_at, updated_at, cron_expression)
VALUES (@name, @data, @priority, @scheduledAt, @now, @now, @cronExpression)
ON CONFLICT DO NOTHING`;
}

/** docs/queue.md §5: pending cron rows of names that are no longer defined go away. */
export function deleteUndefinedCronJobs(table: string): string {
  return `DELETE FROM ${table}
WHERE cron_expression IS NOT NULL AND is_complete = 0
  AND name NOT IN (SELECT value FROM json_each(@names))`;
}

export function selectPendingCronJob(table: string): string {
  return `SELECT id, cron_expression, priority FROM ${table}
WHERE name = @name AND cron_expression IS NOT NULL AND is_complete = 0`;
}

export function retimeCronJob(table: string): string {
  return `UPDATE ${table}
SET cron_expression = @cronExpression, priority = @priority, data = @data,
  scheduled_at = @scheduledAt, updated_at = @now
WHERE id = @id`;
}

/**
 * Differs from Postgres: `DELETE ... LIMIT` is a compile-time option SQLite builds often
 * lack, so the batch is chosen in a subquery.
 */
export function cleanupFinished(table: string): string {
  return `DELETE FROM ${table} WHERE id IN (
  SELECT id FROM ${table}
  WHERE is_complete = 1 AND completed_at < @completedBefore
  ORDER BY completed_at
  LIMIT @limit
)`;
}

export function queueCounts(table: string): string {
  return `SELECT
  (SELECT count(*) FROM ${table} WHERE is_complete = 0 AND scheduled_at <= @now) AS pending_count,
  (SELECT count(*) FROM ${table} WHERE is_complete = 0 AND scheduled_at > @now) AS scheduled_count,
  (SELECT count(*) FROM ${table} WHERE is_complete = 0 AND locked_until > @now) AS running_count,
  (SELECT count(*) FROM ${table} WHERE is_complete = 1 AND failed_at IS NOT NULL) AS failed_count`;
}

export function selectJob(table: string): string {
  return `SELECT * FROM ${table} WHERE id = @id`;
}

/** The state predicates of `listJobs`, rendered from core's `JOB_STATE_RULES`. */
const STATE_PREDICATES = stateConditions({
  now: "@now",
  isTrue: (column) => `${column} = 1`,
  isFalse: (column) => `${column} = 0`,
});

/** One statement per combination of filters, each prepared once. */
export function listJobs(
  table: string,
  byName: boolean,
  state: JobState | null,
  paged: boolean,
  cronOnly: boolean,
): string {
  const conditions: string[] = [];
  if (byName) conditions.push("name = @name");
  if (state !== null) conditions.push(STATE_PREDICATES[state]);
  if (paged) conditions.push("id < @beforeId");
  if (cronOnly) conditions.push("cron_expression IS NOT NULL");
  const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
  return `SELECT * FROM ${table} ${where} ORDER BY id DESC LIMIT @limit`;
}

// Transaction control. Pragma values cannot be bound parameters; the only value spliced
// into one is a validated integer, and savepoint names come from an internal counter.

export const BEGIN_IMMEDIATE = "BEGIN IMMEDIATE";
export const COMMIT = "COMMIT";
export const ROLLBACK = "ROLLBACK";

export function savepoint(name: string): string {
  return `SAVEPOINT ${name}`;
}

export function releaseSavepoint(name: string): string {
  return `RELEASE ${name}`;
}

export function rollbackToSavepoint(name: string): string {
  return `ROLLBACK TO ${name}`;
}

export function setBusyTimeout(ms: number): string {
  return `busy_timeout = ${Math.trunc(ms)}`;
}

export const SET_JOURNAL_MODE_WAL = "journal_mode = WAL";
export const SET_SYNCHRONOUS_NORMAL = "synchronous = NORMAL";
export const SET_FOREIGN_KEYS_ON = "foreign_keys = ON";

/**
 * A WAL checkpoint every 4,000 frames instead of SQLite's 1,000. Why: in WAL with
 * `synchronous = NORMAL` commits are not fsynced; each checkpoint is, twice (the WAL, then
 * the database file). A job at concurrency 1 commits ~3.3 frames, so the default meant two
 * fsyncs every ~300 jobs, a quarter as many now. The WAL file grows to ~16 MB (4,000
 * frames of 4 KiB) before it is reused, and each checkpoint copies more at once. Still
 * NORMAL's promise: durable across application crashes; a power loss may lose the commits
 * since the last checkpoint — now up to ~4,000 frames of them instead of ~1,000.
 */
export const WAL_AUTOCHECKPOINT_FRAMES = 4000;
export const SET_WAL_AUTOCHECKPOINT = `wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_FRAMES}`;
