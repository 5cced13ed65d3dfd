/**
 * Every statement of the Postgres adapter, one builder per statement. Values are always
 * parameters; the only spliced text is the table (and schema) name, validated by core as a
 * plain identifier and double-quoted here (so reserved words such as `order` work and the
 * case is kept).
 *
 * The clock: `statement_timestamp()` everywhere. Outside a transaction it equals `now()`;
 * inside one (a transactional handler, a caller's transaction) it still advances per
 * statement, where `now()` would freeze at `BEGIN` and make leases start in the past. It
 * is constant within one statement, so every row a statement touches gets the same time.
 */

import type { JobState } from "@docket/core";
import {
  type OutcomeEffect,
  outcomeKindCondition,
  outcomeSetClause,
  stateConditions,
} from "@docket/core/adapter";
import { type PostgresSessionNames, postgresSessionNames } from "./postgres-sessions-sql.ts";

/** Quoted names derived from the validated table (and schema) name. */
export interface PostgresTableNames {
  /** `"schema"."table"` or `"table"`. */
  readonly table: string;
  /** `"schema"."table_file"` or `"table_file"`: file rows (docs/files.md). */
  readonly file: string;
  /** The session store's tables (docs/sessions.md). */
  readonly sessions: PostgresSessionNames;
}

export function postgresTableNames(schema: string | null, tableName: string): PostgresTableNames {
  const qualify = (name: string) => (schema === null ? `"${name}"` : `"${schema}"."${name}"`);
  return {
    table: qualify(tableName),
    file: qualify(`${tableName}_file`),
    sessions: postgresSessionNames(schema, tableName),
  };
}

/** The columns of a job row, in `JobRecord` order; `data` as text so `JSON.parse` reads it. */
const JOB_COLUMNS = `id, name, data::text AS data, priority, scheduled_at, handler_timeout,
  retry_count, is_complete, created_at, updated_at, locked_by, locked_until, last_error,
  completed_at, failed_at, cron_expression, cancelled_at`;

/**
 * A timestamp as whole microseconds since the epoch (`int8`): exact, in the timestamp's
 * order, and read in Node with `Number` instead of a date-string parser (the claim's rows
 * are the hot path: four such parses per job cost more than the rest of the row). From
 * Postgres 14 `extract` is an exact numeric; before, a float8 whose error at today's dates
 * is under 0.25 µs, which the rounding cast removes.
 */
const epochMicros = (value: string) => `(extract(epoch FROM ${value}) * 1000000)::int8`;

/**
 * What a claim returns per leased job: `JOB_COLUMNS` with every time as `epochMicros`, and
 * without the three columns whose value the claim itself sets and the adapter already
 * knows: `is_complete` (false: only unfinished rows are leased), `locked_by` (the claim's
 * lease token) and `updated_at` (the statement's clock, the summary row's `db_now`).
 * The names stay those of the columns, so the final `ORDER BY` sorts on the exact values.
 */
const CLAIMED_COLUMN_NAMES = `id, name, data, priority, scheduled_at, handler_timeout,
  retry_count, created_at, locked_until, last_error, completed_at, failed_at, cron_expression,
  cancelled_at`;
const CLAIMED_COLUMN_NULLS = CLAIMED_COLUMN_NAMES.replace(/\w+/g, "NULL");
const CLAIMED_TIMES = new Set([
  "scheduled_at",
  "created_at",
  "locked_until",
  "completed_at",
  "failed_at",
  "cancelled_at",
]);

/** `CLAIMED_COLUMN_NAMES` as read from the rows aliased `t`. */
const CLAIMED_COLUMNS = CLAIMED_COLUMN_NAMES.replace(/\w+/g, (column) =>
  column === "data"
    ? "t.data::text AS data"
    : CLAIMED_TIMES.has(column)
      ? `${epochMicros(`t.${column}`)} AS ${column}`
      : `t.${column}`,
);

/** Matches the unique index over pending cron rows, for `ON CONFLICT` inference. */
const PENDING_CRON_CONFLICT = "(name) WHERE cron_expression IS NOT NULL AND NOT is_complete";

/**
 * Serialises `migrate()` (and, with another key, `syncCron`) across processes; released
 * at the end of the transaction. `$1` is a key string derived from the table name.
 */
export const advisoryXactLock = () => "SELECT pg_advisory_xact_lock(hashtext($1))";

// ---------------------------------------------------------------------------------------
// Hot path (run as named prepared statements)

/** The database clock. */
export const selectNow = () => "SELECT statement_timestamp() AS now";

/**
 * Inserts `unnest`ed arrays in one statement whose text never changes (so it can be
 * prepared): $1 names, $2 data JSON, $3 priorities, $4 scheduled_at (null: now),
 * $5 handler timeouts; with `notify`, $6 is the channel.
 *
 * Input order: the rows are inserted in `ord` order, so the serial ids are taken in input
 * order and ascend with it; the caller sorts the returned ids ascending (RETURNING itself
 * promises no order). The NOTIFY sits in the same statement, so inside a caller's
 * transaction it is delivered on commit only, and never after a rollback.
 */
export const enqueueJobs = (n: PostgresTableNames, notify: boolean) => `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::timestamptz[], $5::bigint[])
      WITH ORDINALITY AS i(name, data, priority, scheduled_at, handler_timeout, ord)
  ), inserted AS (
    INSERT INTO ${n.table} (name, data, priority, scheduled_at, handler_timeout, created_at, updated_at)
    SELECT name, data::json, priority, coalesce(scheduled_at, statement_timestamp()),
      handler_timeout, statement_timestamp(), statement_timestamp()
    FROM input ORDER BY ord
    RETURNING id
  )
  SELECT id FROM inserted${notify ? ", (SELECT pg_notify($6, '')) AS notified" : ""}`;

/**
 * Eligibility shared by both claim orders: $1 names, $2 maxRetryCount. A row whose lease
 * expired (`locked_by` still set) is eligible whatever its retry count: when that lost
 * attempt was its last one, the claim has it finished (`finishExhaustedJobs`).
 */
const CLAIM_ELIGIBLE = `NOT is_complete
      AND name = ANY($1::text[])
      AND scheduled_at <= statement_timestamp()
      AND (retry_count < $2::bigint OR locked_by IS NOT NULL)
      AND (locked_until IS NULL OR locked_until <= statement_timestamp())`;

/**
 * How far the planner's picture of the job table has drifted, as `stats_drift`:
 *
 * - 2, stale: never analyzed (`reltuples` -1, a new table) or the heap has more than
 *   doubled since the last ANALYZE/VACUUM (a burst into a long-idle queue). With such
 *   statistics the claim's row estimate is ~1 and the planner prefers a sequential scan +
 *   sort of the whole table over the claim index, which costs O(table) per claim; the
 *   adapter then refreshes the statistics itself (`refreshStaleStatistics`) instead of
 *   waiting up to a minute for autovacuum.
 * - 1, drifted: the heap grew by more than a quarter (and 8 pages) since then.
 * - 0, settled: otherwise. Only then does the adapter send `completeOneAndClaimOne`, whose
 *   generic plan Postgres keeps until the statistics change: built on a small table it
 *   may scan sequentially, which must not outlive the table's growth.
 *
 * Both reads are cheap: a catalog row by oid and the relation's block count.
 */
const STATS_DRIFT = (n: PostgresTableNames) =>
  `(SELECT CASE
       WHEN s.reltuples < 0 OR s.pages > 2 * s.relpages + 64 THEN 2
       WHEN s.pages > s.relpages + s.relpages / 4 + 8 THEN 1
       ELSE 0 END
     FROM (SELECT c.reltuples, c.relpages,
         pg_relation_size(c.oid) / current_setting('block_size')::int AS pages
       FROM pg_class c WHERE c.oid = '${n.table}'::regclass) AS s)`;

/** `ANALYZE` of the job table (see `STATS_DRIFT`). */
export const analyzeJobs = (n: PostgresTableNames) => `ANALYZE ${n.table}`;

/**
 * The guard of a batch of leases, `unnest(ids, tokens)` pairs, on rows aliased `t`: the
 * row is unfinished and one pair names it with its current token. It is driven by
 * `t.id = ANY(ids)`, a primary-key index scan whatever the table's size or statistics;
 * joined to the `unnest` instead, the planner hashes the whole table (a sequential scan
 * per batch) as soon as it believes the table small. A row named twice is updated once.
 */
function leaseGuard(ids: string, tokens: string): string {
  return `t.id = ANY(${ids}::bigint[]) AND NOT t.is_complete
      AND EXISTS (SELECT FROM unnest(${ids}::bigint[], ${tokens}::text[]) AS input(id, lease_token)
        WHERE input.id = t.id AND input.lease_token = t.locked_by)`;
}

/** The expired lease held the row's last attempt (or an older version left it none). */
const EXHAUSTED = "locked_by IS NOT NULL AND retry_count + 1 >= $2::bigint";

/**
 * Leases up to $3 eligible jobs in one statement: the CTE locks them with `SKIP LOCKED`
 * (rows another claim holds are passed over, never waited for) and the UPDATE leases them
 * to $4 for $5 ms. A row with an expired lease (`locked_by` still set) was an attempt
 * whose worker died: it counts as a failure with `last_error = $6`.
 *
 * When it meets rows whose expired lease held their last attempt, it leases nothing and
 * returns their ids in `exhausted_ids`: the adapter then takes them over and finishes
 * them in one transaction of their own (`finishExhaustedJobs`; a cron successor's run
 * time is computed by core, not in SQL), and the worker claims again. Until that commits
 * they are exactly as before, so a crash in between strands nothing; and as nothing was
 * leased, a failure of that step can fail the claim without losing a leased job. A claim
 * that meets no such row is one statement, as it always was.
 *
 * The final SELECT returns the leased rows in spec order (RETURNING has no order), exactly
 * at the database's microsecond precision, followed by one summary row (NULL job columns,
 * so it sorts last) carrying the clock the claim used, `exhausted_ids` and `stats_drift`:
 * the claim is always one round trip, and the arrays are sent and parsed once per claim,
 * not once per leased row.
 */
export const claimJobs = (n: PostgresTableNames, sorted: boolean) =>
  claimStatement(n, sorted, "none");

/**
 * `completeSucceededJobs` and `claimJobs` in one statement, so a worker at low concurrency
 * pays one round trip and one commit per job instead of two (the adapter coalesces a
 * `complete` of plain successes with the `claim` that follows it in the same turn of the
 * event loop). Claim params as in `claimJobs`, plus $7 ids and $8 lease tokens of the
 * succeeded jobs. Those ids are kept out of `picked`: all CTEs share one snapshot, in which
 * the finished rows are still unfinished (and leased to us), and one statement must not
 * modify a row twice. The ids whose guard held come back in `done_ids`.
 */
export const completeAndClaimJobs = (
  n: PostgresTableNames,
  sorted: boolean,
  finish: DoneFinish = "update",
) => claimStatement(n, sorted, "batch", finish);

/**
 * How the paired successes are finished: `update` marks them completed (history kept);
 * `delete` removes them, for jobs whose outcome says `deleteOnFinish` (docs: a success
 * with `deleteJobOnCompletion` leaves no row), so those ride on the next claim too.
 */
export type DoneFinish = "update" | "delete";

/**
 * `completeAndClaimJobs` for the commonest case at concurrency 1: one success and a claim
 * of one job. Every parameter is a scalar and the limit a constant, so Postgres's plan
 * cache estimates the generic plan as it does the custom ones and keeps the generic plan
 * after five executions: the statement is no longer planned on every call (about a third
 * of its server time). The adapter sends it only while the statistics are settled
 * (`STATS_DRIFT`). Params: $1 names, $2 maxRetryCount, $3 lease token, $4 lease ms,
 * $5 expired-lease error, $6 id and $7 lease token of the succeeded job.
 */
export const completeOneAndClaimOne = (
  n: PostgresTableNames,
  sorted: boolean,
  finish: DoneFinish = "update",
) => claimStatement(n, sorted, "one", finish);

/**
 * The largest claim limit written into a statement as a constant (`completeAndClaimFixedLimit`):
 * a worker at the default concurrency 10 claims 1–10 jobs; beyond that, one prepared
 * statement per limit would cost more than the planning it saves.
 */
export const FIXED_CLAIM_LIMIT_MAX = 10;

/**
 * `completeAndClaimJobs` with the claim limit written as the constant `limit` (2 to
 * `FIXED_CLAIM_LIMIT_MAX`): with `LIMIT $n` the generic plan is costed at a tenth of the
 * table and Postgres plans every call (about half the statement's server time at a claim
 * of 10); with a constant its generic estimate is close to the custom ones and it keeps
 * the generic plan. Like `completeOneAndClaimOne`, sent only while the statistics are
 * settled. Params: $1 names, $2 maxRetryCount, $3 lease token, $4 lease ms, $5 expired-lease
 * error, $6 ids and $7 lease tokens of the succeeded jobs.
 */
export const completeAndClaimFixedLimit = (
  n: PostgresTableNames,
  sorted: boolean,
  limit: number,
  finish: DoneFinish = "update",
) => claimStatement(n, sorted, "batch", finish, limit);

/** What a claim statement completes first: nothing, a batch (arrays), or one job (scalars). */
type Completing = "none" | "batch" | "one";

function claimStatement(
  n: PostgresTableNames,
  sorted: boolean,
  completing: Completing,
  finish: DoneFinish = "update",
  fixedLimit?: number,
): string {
  const one = completing === "one";
  const fixed = one || fixedLimit !== undefined;
  const p = fixed
    ? { limit: String(fixedLimit ?? 1), leaseToken: "$3", leaseMs: "$4", error: "$5" }
    : { limit: "$3", leaseToken: "$4", leaseMs: "$5", error: "$6" };
  // The completed jobs' parameters follow the claim's: $6/$7, or $7/$8 after `LIMIT $3`.
  const [ids, tokens] = fixed ? ["$6", "$7"] : ["$7", "$8"];
  const doneGuard =
    completing === "batch"
      ? leaseGuard(ids, tokens)
      : "t.id = $6::bigint AND t.locked_by = $7::text AND NOT t.is_complete";
  const notDone =
    completing === "batch"
      ? `\n      AND NOT (id = ANY(${ids}::bigint[]))`
      : one
        ? "\n      AND id <> $6::bigint"
        : "";
  const completes = completing !== "none";
  return `
  WITH ${
    completes
      ? `done AS (
    ${finish === "delete" ? `DELETE FROM ${n.table} AS t` : `UPDATE ${n.table} AS t SET ${SUCCEEDED_SET}`}
    WHERE ${doneGuard}
    RETURNING t.id
  ), `
      : ""
  }picked AS (
    SELECT id, ${EXHAUSTED} AS exhausted FROM ${n.table}
    WHERE ${CLAIM_ELIGIBLE}${notDone}
    ${sorted ? "ORDER BY priority, scheduled_at, id" : ""}
    LIMIT ${p.limit}
    FOR UPDATE SKIP LOCKED
  ), claimed AS (
    UPDATE ${n.table} AS t SET
      locked_by = ${p.leaseToken},
      locked_until = statement_timestamp() + ${p.leaseMs}::float8 * interval '1 millisecond',
      updated_at = statement_timestamp(),
      retry_count = t.retry_count + CASE WHEN t.locked_by IS NULL THEN 0 ELSE 1 END,
      last_error = CASE WHEN t.locked_by IS NULL THEN t.last_error ELSE ${p.error} END
    WHERE t.id = ANY(ARRAY(SELECT id FROM picked))
      AND NOT EXISTS (SELECT 1 FROM picked WHERE exhausted)
    RETURNING ${CLAIMED_COLUMNS}
  )
  SELECT ${CLAIMED_COLUMN_NAMES}, NULL AS db_now, NULL AS exhausted_ids, NULL AS stats_drift${
    completes ? ", NULL AS done_ids" : ""
  }
  FROM claimed
  UNION ALL
  SELECT ${CLAIMED_COLUMN_NULLS}, ${epochMicros("statement_timestamp()")},
    ARRAY(SELECT id FROM picked WHERE exhausted),
    ${STATS_DRIFT(n)}${completes ? ",\n    ARRAY(SELECT id FROM done)" : ""}
  ${sorted ? "ORDER BY priority, scheduled_at, id" : ""}`;
}

/**
 * Takes over and finishes, as failed, the rows of $1 that are still unfinished with an
 * expired lease that held their last attempt ($2 maxRetryCount), skipping rows another
 * claim holds: the lost attempt is counted unless the row had none left (a row an older
 * version stranded), `last_error = $3`. With `remove`, deletes them instead (and takes
 * no $3). Returns what the cron successors need; the adapter inserts those in the same
 * transaction.
 */
export const finishExhaustedJobs = (n: PostgresTableNames, remove: boolean) => {
  const target = `SELECT id FROM ${n.table}
      WHERE id = ANY($1::bigint[]) AND NOT is_complete AND ${EXHAUSTED}
        AND locked_until <= statement_timestamp()
      FOR UPDATE SKIP LOCKED`;
  const returning =
    "RETURNING t.id, t.name, t.cron_expression, t.priority, statement_timestamp() AS db_now";
  if (remove) {
    return `WITH target AS (${target})
    DELETE FROM ${n.table} AS t USING target WHERE t.id = target.id
    ${returning}`;
  }
  return `WITH target AS (${target})
    UPDATE ${n.table} AS t SET
      retry_count = t.retry_count + CASE WHEN t.retry_count < $2::bigint THEN 1 ELSE 0 END,
      last_error = $3::text,
      is_complete = true,
      completed_at = statement_timestamp(),
      failed_at = statement_timestamp(),
      locked_by = NULL,
      locked_until = NULL,
      updated_at = statement_timestamp()
    FROM target WHERE t.id = target.id
    ${returning}`;
};

/**
 * Extends the leases `leaseGuard` ($1 ids, $2 tokens) lets through to now + $3 ms while the token still
 * holds and the job is unfinished; returns the ids that were extended.
 */
export const heartbeatJobs = (n: PostgresTableNames) => `
  UPDATE ${n.table} AS t SET
    locked_until = statement_timestamp() + $3::float8 * interval '1 millisecond',
    updated_at = statement_timestamp()
  WHERE ${leaseGuard("$1", "$2")}
  RETURNING t.id`;

/** True for an `input.kind` with `effect` in `OUTCOME_EFFECTS` (the SQL follows the table). */
const kindWith = (effect: keyof OutcomeEffect) => outcomeKindCondition("input.kind", effect);
const FINISHING = kindWith("finishes");

/** A succeeded outcome's `SET` list (`OUTCOME_EFFECTS.succeeded`). */
const SUCCEEDED_SET = outcomeSetClause("succeeded", {
  now: "statement_timestamp()",
  error: "NULL",
  rescheduledAt: "scheduled_at",
  true: "true",
});

/**
 * Records every outcome in ONE statement (one round trip, one implicit transaction).
 * Each outcome is guarded by `id AND locked_by = token AND NOT is_complete`; the ids the
 * guards let through are returned, the rest lost their lease. Outcomes that finish with
 * `deleteOnFinish` delete the row, the others update it, each column as `OUTCOME_EFFECTS`
 * says for the kind. A finished cron job's successor
 * is inserted only when its outcome's guard won, and `ON CONFLICT DO NOTHING` on the
 * pending-cron unique index skips it when a pending row for the name exists already (the
 * row this statement just finished no longer counts: its new version is complete).
 *
 * Arrays: $1 id, $2 lease token, $3 kind, $4 error, $5 retry delay ms (null: keep
 * scheduled_at), $6 delete on finish, $7 successor name (null: none), $8 successor
 * expression, $9 successor priority, $10 successor run time, $11 successor data JSON.
 */
export const completeJobs = (n: PostgresTableNames) => `
  WITH input AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::float8[],
      $6::boolean[], $7::text[], $8::text[], $9::integer[], $10::timestamptz[], $11::text[])
      AS i(id, lease_token, kind, error, retry_delay_ms, delete_on_finish,
        cron_name, cron_expression, cron_priority, cron_run_at, cron_data)
  ), deleted AS (
    DELETE FROM ${n.table} AS t USING input
    WHERE t.id = input.id AND t.locked_by = input.lease_token AND NOT t.is_complete
      AND input.delete_on_finish AND ${FINISHING}
    RETURNING t.id
  ), updated AS (
    UPDATE ${n.table} AS t SET
      is_complete = ${FINISHING},
      retry_count = t.retry_count + CASE WHEN ${kindWith("countsAttempt")} THEN 1 ELSE 0 END,
      last_error = CASE WHEN ${kindWith("recordsError")} THEN input.error ELSE t.last_error END,
      scheduled_at = CASE WHEN ${kindWith("reschedules")} AND input.retry_delay_ms IS NOT NULL
        THEN statement_timestamp() + input.retry_delay_ms * interval '1 millisecond'
        ELSE t.scheduled_at END,
      completed_at = CASE WHEN ${FINISHING} THEN statement_timestamp()
        ELSE t.completed_at END,
      failed_at = CASE WHEN ${kindWith("marksFailed")} THEN statement_timestamp()
        ELSE t.failed_at END,
      locked_by = NULL,
      locked_until = NULL,
      updated_at = statement_timestamp()
    FROM input
    WHERE t.id = input.id AND t.locked_by = input.lease_token AND NOT t.is_complete
      AND NOT (input.delete_on_finish AND ${FINISHING})
    RETURNING t.id
  ), won AS (
    SELECT id FROM deleted UNION ALL SELECT id FROM updated
  ), successors AS (
    INSERT INTO ${n.table} (name, data, priority, scheduled_at, cron_expression, created_at, updated_at)
    SELECT DISTINCT ON (input.cron_name) input.cron_name, input.cron_data::json,
      input.cron_priority, input.cron_run_at, input.cron_expression,
      statement_timestamp(), statement_timestamp()
    FROM input JOIN won ON won.id = input.id
    WHERE input.cron_name IS NOT NULL
    ORDER BY input.cron_name, input.id
    ON CONFLICT ${PENDING_CRON_CONFLICT} DO NOTHING
    RETURNING id
  )
  SELECT id FROM won`;

/**
 * The common case of `completeJobs` — every outcome succeeded, none deletes its row or
 * schedules a cron successor — as one plain UPDATE under `leaseGuard` ($1 ids, $2
 * tokens): the general statement's CTEs (delete, successors) cost a third of a drain's
 * database time when there is nothing for them to do. Returns the ids whose guard won.
 */
export const completeSucceededJobs = (n: PostgresTableNames) => `
  UPDATE ${n.table} AS t SET ${SUCCEEDED_SET}
  WHERE ${leaseGuard("$1", "$2")}
  RETURNING t.id`;

// ---------------------------------------------------------------------------------------
// Cron registration (inside one transaction, under the advisory lock)

/** Removes pending cron rows whose name is not in $1. */
export const deleteUnknownCronJobs = (n: PostgresTableNames) => `
  DELETE FROM ${n.table}
  WHERE cron_expression IS NOT NULL AND NOT is_complete AND NOT (name = ANY($1::text[]))`;

/**
 * Re-times pending cron rows whose expression or priority changed; unchanged rows are
 * left alone (so a deploy does not skip a due run). Arrays: $1 name, $2 expression,
 * $3 priority, $4 next run, $5 data JSON.
 */
export const updateChangedCronJobs = (n: PostgresTableNames) => `
  UPDATE ${n.table} AS t SET
    cron_expression = d.cron_expression,
    priority = d.priority,
    data = d.data::json,
    scheduled_at = d.next_run_at,
    updated_at = statement_timestamp()
  FROM unnest($1::text[], $2::text[], $3::integer[], $4::timestamptz[], $5::text[])
    AS d(name, cron_expression, priority, next_run_at, data)
  WHERE t.name = d.name AND t.cron_expression IS NOT NULL AND NOT t.is_complete
    AND (t.cron_expression <> d.cron_expression OR t.priority <> d.priority)`;

/** Inserts a pending row for every definition that has none (same arrays as above). */
export const insertMissingCronJobs = (n: PostgresTableNames) => `
  INSERT INTO ${n.table} (name, cron_expression, priority, scheduled_at, data, created_at, updated_at)
  SELECT d.name, d.cron_expression, d.priority, d.next_run_at, d.data::json,
    statement_timestamp(), statement_timestamp()
  FROM unnest($1::text[], $2::text[], $3::integer[], $4::timestamptz[], $5::text[])
    AS d(name, cron_expression, priority, next_run_at, data)
  ON CONFLICT ${PENDING_CRON_CONFLICT} DO NOTHING`;

// ---------------------------------------------------------------------------------------
// Maintenance and reading

/** Deletes up to $2 finished rows that completed before $1, oldest first. */
export const cleanupJobs = (n: PostgresTableNames) => `
  DELETE FROM ${n.table} WHERE id IN (
    SELECT id FROM ${n.table}
    WHERE is_complete AND completed_at < $1
    ORDER BY completed_at
    LIMIT $2
  )`;

/**
 * Queue counts at the database's now. The first three read only unfinished rows (the
 * partial claim index); the failed count reads history.
 */
export const selectInsights = (n: PostgresTableNames) => `
  SELECT
    count(*) FILTER (WHERE scheduled_at <= statement_timestamp()) AS pending_count,
    count(*) FILTER (WHERE scheduled_at > statement_timestamp()) AS scheduled_count,
    count(*) FILTER (WHERE locked_until > statement_timestamp()) AS running_count,
    (SELECT count(*) FROM ${n.table} WHERE is_complete AND failed_at IS NOT NULL) AS failed_count
  FROM ${n.table} WHERE NOT is_complete`;

export const selectJob = (n: PostgresTableNames) =>
  `SELECT ${JOB_COLUMNS} FROM ${n.table} WHERE id = $1`;

/** Each `JobState` as a condition, rendered from core's `JOB_STATE_RULES`. */
const STATE_CONDITIONS = stateConditions({
  now: "statement_timestamp()",
  isTrue: (column) => column,
  isFalse: (column) => `NOT ${column}`,
});

/**
 * Newest first. $1 limit, then the name when `byName`, then the id bound when `paged`.
 * The state is chosen from the fixed conditions above, never spliced from input.
 */
export const listJobs = (
  n: PostgresTableNames,
  byName: boolean,
  state: JobState | null,
  paged: boolean,
  cronOnly: boolean,
) => {
  const idParam = byName ? "$3" : "$2";
  const conditions = [
    ...(byName ? ["name = $2"] : []),
    ...(state === null ? [] : [STATE_CONDITIONS[state]]),
    ...(paged ? [`id < ${idParam}`] : []),
    ...(cronOnly ? ["cron_expression IS NOT NULL"] : []),
  ];
  const where = conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`;
  return `SELECT ${JOB_COLUMNS} FROM ${n.table} ${where} ORDER BY id DESC LIMIT $1`;
};

// ---------------------------------------------------------------------------------------
// Transactions

export const begin = () => "BEGIN";
export const commit = () => "COMMIT";
export const rollback = () => "ROLLBACK";
/** Nested `transaction()` on an adapter already bound to a transaction. */
export const savepoint = () => "SAVEPOINT docket_tx";
export const releaseSavepoint = () => "RELEASE SAVEPOINT docket_tx";
export const rollbackToSavepoint = () => "ROLLBACK TO SAVEPOINT docket_tx";

/** `LISTEN` takes an identifier, not a parameter: the channel is quoted here. */
export const listen = (channel: string) => `LISTEN ${quoteIdentifier(channel)}`;

/** Double-quotes an identifier, doubling embedded quotes. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
