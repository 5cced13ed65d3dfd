import { outcomeEffect } from "./adapter/outcome-effects.ts";
import type { FileStoreSeam } from "./file-store-seam.ts";
import type { JobRecord, JobState } from "./job-record.ts";
import type { SessionStoreSeam } from "./session-store-seam.ts";

/**
 * The seam between Docket's core and a database. Core decides policy (which names a
 * worker asks for, lease length, timeouts, retry or give up, backoff delay, next cron
 * time, cleanup cut-off); an adapter only stores the outcome of a decision, atomically,
 * on its own database.
 *
 * Every state change is one statement or one short transaction that names the state it
 * expects (compare-and-set on the lease token), so a stale worker can never overwrite a
 * newer outcome. Times that decide eligibility come from the adapter's clock: the
 * database's on Postgres and MySQL, the process's on SQLite.
 *
 * Errors: adapters throw `DocketError` — `connection_error` when the database cannot be
 * reached, `database_error` with `retryable: true` for transient failures (deadlock, lock
 * wait, serialization failure, `SQLITE_BUSY`), with the driver error as `cause`.
 */
export interface StorageAdapter {
  /** `"sqlite"`, `"postgres"`, `"mysql"`, or `"memory"` (the reference adapter in `@docket/core/testing`). */
  readonly dialect: string;
  /**
   * What this adapter supports beyond the required methods (docs/adapters.md,
   * capabilities). Shared suites skip a behaviour, with a printed reason, only where a
   * capability is declared absent; core never guesses from `dialect`.
   */
  readonly capabilities: AdapterCapabilities;
  /**
   * Identifies the queue (database + table) in this process, e.g.
   * `postgres:<connection>#docket_job`. Adapters bound to a transaction share the key of
   * the adapter they came from; core uses it to wake local workers after an enqueue.
   */
  readonly queueKey: string;
  /**
   * The driver handle passed to handlers as `db`: the better-sqlite3 `Database`, the
   * `pg` pool, the `mysql2` pool; inside a transaction, the transaction's client.
   */
  readonly db: unknown;

  /** Creates or upgrades the tables. Idempotent; safe when many processes call it at once. */
  migrate(): Promise<void>;

  /** The adapter's clock: the database's `now()` on Postgres/MySQL, `Date.now()` on SQLite. */
  now(): Promise<Date>;

  /**
   * Inserts 1..n validated jobs in one round trip (one multi-row statement, chunked
   * only when the driver's parameter limit demands it) and returns their ids in input
   * order. On an adapter bound to a caller's transaction, writes on that transaction.
   * SQLite: the insert runs synchronously before the returned promise is created, so it
   * lands inside a caller's synchronous `db.transaction(...)`.
   */
  enqueue(jobs: readonly NewJob[]): Promise<number[]>;

  /**
   * Atomically leases up to `limit` eligible jobs and returns them, in spec order
   * (priority, scheduledAt, id) unless `ignoreSorting`. Eligible: not complete, name in
   * `names`, `scheduled_at <= now`, not leased (`locked_until IS NULL OR locked_until <=
   * now`), and `retry_count < maxRetryCount` — or, for a row whose previous lease expired
   * (`locked_by IS NOT NULL`), any `retry_count`. Never hands one job to two callers and
   * never waits on a row another claim holds (SKIP LOCKED or equivalent).
   *
   * Leased rows get `locked_by = leaseToken`, `locked_until = now + leaseMs`,
   * `updated_at = now`. A row whose previous lease expired was an attempt interrupted by
   * a dead worker: the claim counts it (`retry_count + 1`, `last_error =
   * LEASE_EXPIRED_ERROR`).
   *
   * When that count exhausts the attempts (`retry_count + 1 >= maxRetryCount`, or the
   * row was already exhausted: a row an older version stranded), the job is not leased:
   * the claim finishes it, in the same statement or transaction that takes it over, as
   * failed — `is_complete`, `completed_at = failed_at = now`, `retry_count + 1` unless
   * it already reached `maxRetryCount`, `last_error = LEASE_EXPIRED_ERROR`, lease cleared —
   * or deletes it when `deleteOnFinish`, and for a cron row inserts
   * `cronSuccessor(row, now)` unless a pending row for the name exists. No process death
   * can then leave a job that is neither runnable nor finished. Such jobs are reported
   * in `finished`, never in `jobs`, and take up room in `limit`: a claim that finishes
   * some may lease fewer jobs, even none (Postgres then leases none), so core claims again
   * at once. Rows with exhausted attempts and no lease at all (e.g. left by a worker with
   * a higher `maxRetryCount`) are left alone.
   *
   * The extra work happens only when such a row is found: a claim that finds none costs
   * what it did before (Postgres: one statement; MySQL and SQLite: one transaction).
   */
  claim(request: ClaimRequest): Promise<ClaimResult>;

  /**
   * Extends the leases of running jobs to `now + leaseMs`, each only while
   * `locked_by = leaseToken` and the job is not complete. Returns the ids whose lease
   * was lost (taken over, finished, or deleted).
   */
  heartbeat(leases: readonly JobLease[], leaseMs: number): Promise<number[]>;

  /**
   * Records outcomes in one round trip (one transaction), each guarded by its lease:
   * `WHERE id = ? AND locked_by = ? AND is_complete = false`. For a finished cron job
   * whose guard won, inserts `cronSuccessor` in the same transaction unless a pending row
   * for that cron name exists already (the unique pending-cron index decides).
   * Returns which outcomes were recorded and which lost their lease.
   */
  complete(outcomes: readonly JobOutcome[]): Promise<CompleteResult>;

  /**
   * docs/queue.md §5 under a database-wide lock, in one transaction:
   * 1. delete pending cron rows (`cron_expression IS NOT NULL AND is_complete = false`)
   *    whose name is not among `definitions`;
   * 2. per definition: no pending cron row → insert one; a pending row with the same
   *    expression and priority → leave it alone; otherwise update its expression,
   *    priority, data and `scheduled_at = nextRunAt`.
   * Normal jobs (`cron_expression IS NULL`) and finished rows are never touched.
   */
  syncCron(definitions: readonly CronDefinition[]): Promise<void>;

  /** Deletes up to `limit` finished jobs with `completed_at < completedBefore`; returns how many. */
  cleanup(request: CleanupRequest): Promise<number>;

  /** Queue counts at the adapter's now. */
  insights(): Promise<QueueCounts>;

  /** One job, or null. */
  getJob(id: number): Promise<JobRecord | null>;

  /**
   * Jobs, newest first (id descending), filtered by name, state (see `JobState`), cron
   * rows only, and `id < beforeId` for keyset paging.
   */
  listJobs(query: ListJobsQuery): Promise<JobRecord[]>;

  // Operator actions (issue 12: CLI and dashboard). Each write is ONE guarded statement that
  // names the states it accepts, so a job a live lease holds is never changed: the guard
  // `NOT (NOT is_complete AND locked_until > now)` loses to a claim that got there first,
  // and a claim never sees a row the action finished. When the guard refuses, the
  // adapter re-reads the row and answers with `refusedAction` (core) to say why.

  /**
   * A failed job (`is_complete AND failed_at IS NOT NULL`) becomes pending now:
   * `is_complete = false`, `retry_count = 0`, `completed_at`, `failed_at`, `locked_by`,
   * `locked_until` cleared, `scheduled_at = updated_at = now`, `last_error` kept as
   * history. A failed cron run comes back as a one-off job (`cron_expression = NULL`):
   * its schedule already goes on with its own pending row.
   */
  retryJob(id: number): Promise<JobActionResult>;

  /** `retryJob` for every failed job (of one name when `name` is set), in one statement; returns how many. */
  retryFailedJobs(request: RetryFailedRequest): Promise<number>;

  /**
   * A pending or scheduled job (not complete, no live lease) is finished as cancelled:
   * `is_complete = true`, `completed_at = cancelled_at = updated_at = now`, lease cleared.
   */
  cancelJob(id: number): Promise<JobActionResult>;

  /** Deletes a job in any state but running (`is_complete OR no live lease`). */
  deleteJob(id: number): Promise<JobActionResult>;

  /**
   * Per-name counts by `JobState` at the adapter's now, names ascending. With
   * `finishedSince`, the finished states (completed, failed, cancelled) count only jobs
   * finished at or after it (a range of the finished-rows index instead of all history).
   */
  countJobsByName(request: CountJobsByNameRequest): Promise<JobNameCounts[]>;

  /**
   * Jobs finished at or after `since`, counted per bucket of `bucketMs` (bucket `i`
   * covers `[since + i * bucketMs, since + (i + 1) * bucketMs)`); only non-empty buckets,
   * ascending. Cancelled jobs are in neither count.
   */
  jobActivity(request: JobActivityRequest): Promise<JobActivityCount[]>;

  /**
   * Optional push wake-ups (Postgres `LISTEN/NOTIFY`): calls `onWake` when jobs may have
   * become available. Returns the unsubscribe function. Core falls back to polling.
   */
  subscribe?(onWake: () => void): () => void;

  /**
   * This adapter bound to a transaction the application owns (a `pg` client inside
   * `BEGIN`, a `mysql2` connection inside a transaction, the better-sqlite3 `Database`
   * inside `db.transaction`). Jobs enqueued through it exist only if that transaction
   * commits. The bound adapter never commits, rolls back or releases the caller's handle.
   */
  withTransaction(nativeTransaction: unknown): StorageAdapter;

  /**
   * Runs `fn` inside a new transaction the adapter owns: commits when `fn` resolves, rolls
   * back when it rejects (and rethrows). `tx.db` is the transaction's native handle and
   * `tx.adapter` is this adapter bound to it (so a `complete` through it commits together
   * with the handler's writes). Used for transactional handlers.
   */
  transaction<T>(fn: (tx: AdapterTransaction) => Promise<T>): Promise<T>;

  /** Releases what the adapter opened (never a pool or database the caller passed in). */
  close(): Promise<void>;

  /**
   * File rows for `@docket/files` (docs/files.md), in `<tableName>_file`. Present on
   * transaction-bound adapters too, writing on that transaction.
   */
  readonly files?: FileStoreSeam;

  /**
   * Session store rows (docs/sessions.md, session store), used by `@docket/sessions`.
   * Present on the three Docket adapters and on their transaction-bound adapters.
   */
  readonly sessions?: SessionStoreSeam;
}

/** What an adapter declares it supports (docs/adapters.md, capabilities). */
export interface AdapterCapabilities {
  /** `subscribe()` delivers wake-ups pushed by the database (Postgres `LISTEN/NOTIFY`). */
  readonly pushWakeups: boolean;
  /** `withTransaction()` binds to a transaction the application opened on its own handle. */
  readonly callerTransactions: boolean;
  /**
   * Named locks that serialise work across processes (Postgres advisory locks, MySQL
   * `GET_LOCK`). Without them the database's own write lock does that job (SQLite).
   */
  readonly advisoryLocks: boolean;
  /** Whose clock decides eligibility: the database server's or this process's. */
  readonly clock: "database" | "process";
  /** Several processes can share one queue (false for the in-memory adapter). */
  readonly multiProcess: boolean;
}

export interface AdapterTransaction {
  readonly db: unknown;
  readonly adapter: StorageAdapter;
}

/** A validated job, ready to store. */
export interface NewJob {
  name: string;
  /** `JSON.stringify` of the job's data, done (and checked) by core. */
  dataJson: string;
  priority: number;
  /** `null`: the adapter's now. */
  scheduledAt: Date | null;
  handlerTimeout: number | null;
}

export interface ClaimRequest {
  /** Written to `locked_by`; unique per claim call (`<workerId>:<sequence>`). */
  leaseToken: string;
  /** At most this many jobs (≥ 1). */
  limit: number;
  /** Only these names; never empty. */
  names: readonly string[];
  maxRetryCount: number;
  ignoreSorting: boolean;
  leaseMs: number;
  /**
   * For jobs the claim finishes (an expired lease that held their last attempt): delete
   * the row instead of keeping it as failed history (the worker's `deleteJobOnCompletion`).
   * Default false.
   */
  deleteOnFinish?: boolean;
  /**
   * For cron rows the claim finishes: the next pending row, computed by core's cron code
   * at `now` (the adapter's clock during the claim). Null when none can be computed (an
   * unparsable stored expression); the row is still finished. Must not throw. Default:
   * core's `nextCronRow`.
   */
  cronSuccessor?: (job: FinishedCronJob, now: Date) => CronDefinition | null;
}

/** What `ClaimRequest.cronSuccessor` gets of a cron row the claim finished. */
export interface FinishedCronJob {
  name: string;
  cronExpression: string;
  priority: number;
}

export interface ClaimResult {
  /** The leased jobs, to be run. */
  jobs: JobRecord[];
  /**
   * Ids of jobs the claim finished as failed (or deleted) instead of leasing them: their
   * expired lease held their last attempt (see `claim`).
   */
  finished: number[];
  /** The adapter's clock when the claim ran; core uses it to estimate the database time. */
  now: Date;
}

export interface JobLease {
  id: number;
  leaseToken: string;
}

/**
 * - `succeeded`: `is_complete = true`, `completed_at = now`, lease cleared
 * - `retry`: `retry_count + 1`, `last_error = error`, lease cleared,
 *   `scheduled_at = now + retryDelayMs` when `retryDelayMs` is not null
 * - `failed` (gave up): `retry_count + 1`, `last_error = error`, `is_complete = true`,
 *   `completed_at = failed_at = now`, lease cleared
 * - `abandoned`: like `failed` but `retry_count` unchanged and `last_error` kept as is —
 *   for a job handed out by a claim with its attempts already exhausted. Adapters that
 *   keep the `claim` contract never do that (they finish such jobs in the claim itself);
 *   core records it only as a safety net for an adapter that does
 * - `released`: the lease is cleared and nothing else changes (no attempt counted, no
 *   error, `scheduled_at` kept) — for a prefetched job the worker never started, handed
 *   back on `stop()`
 * With `deleteOnFinish`, `succeeded`, `failed` and `abandoned` delete the row instead
 * (after the guard); `retry` and `released` never delete. `OUTCOME_EFFECTS`
 * (`@docket/core/adapter`) is this list as data, which every adapter renders.
 */
export type JobOutcomeKind = "succeeded" | "retry" | "failed" | "abandoned" | "released";

/** Whether an outcome of this kind finishes the job (and so may delete it or schedule a cron successor). */
export function isFinishingOutcome(kind: JobOutcomeKind): boolean {
  return outcomeEffect(kind).finishes;
}

export interface JobOutcome {
  id: number;
  leaseToken: string;
  kind: JobOutcomeKind;
  /** Bounded, storable error text (core sanitises it); null for `succeeded`. */
  error: string | null;
  /** For `retry`: delay before the job is eligible again; null leaves `scheduled_at`. */
  retryDelayMs: number | null;
  deleteOnFinish: boolean;
  /** For finished cron jobs: the next row, inserted if no pending row for the name exists. */
  cronSuccessor: CronDefinition | null;
}

export interface CompleteResult {
  recorded: number[];
  lost: number[];
}

/** A cron job's pending row, as core computed it. */
export interface CronDefinition {
  name: string;
  cronExpression: string;
  priority: number;
  nextRunAt: Date;
  /** JSON of `{ jobType, cronExpression, cronLastCompletedAt }`. */
  dataJson: string;
}

export interface CleanupRequest {
  completedBefore: Date;
  limit: number;
}

/**
 * - `pendingCount`: incomplete and due (`scheduled_at <= now`), running ones included, as
 *   the Compas queue counted them
 * - `scheduledCount`: incomplete, `scheduled_at > now`
 * - `runningCount`: incomplete and leased (`locked_until > now`)
 * - `failedCount`: gave up (`failed_at IS NOT NULL`)
 */
export interface QueueCounts {
  pendingCount: number;
  scheduledCount: number;
  runningCount: number;
  failedCount: number;
}

export interface ListJobsQuery {
  name?: string;
  state?: JobState;
  /** Only jobs with `id < beforeId` (keyset paging: pass the last id of the previous page). */
  beforeId?: number;
  /** Only cron rows (`cron_expression IS NOT NULL`). */
  cron?: boolean;
  /** 1..10 000; core's default is 100. */
  limit: number;
}

/**
 * The answer of a single-job operator action: `ok`, or why nothing changed —
 * `not_found` (no such job), `running` (a live lease holds it), `invalid_state` (the
 * action does not apply to `state`, e.g. retrying a completed job).
 */
export type JobActionResult =
  | { ok: true }
  | { ok: false; reason: "not_found" | "running" | "invalid_state"; state?: JobState };

export interface RetryFailedRequest {
  /** Only failed jobs of this name; null: every failed job. */
  name: string | null;
}

export interface CountJobsByNameRequest {
  /** Null: all finished history. */
  finishedSince: Date | null;
}

/** How many jobs of one name are in each `JobState`. */
export interface JobNameCounts {
  name: string;
  pending: number;
  scheduled: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export interface JobActivityRequest {
  since: Date;
  /** ≥ 1. */
  bucketMs: number;
}

/** Finished jobs in bucket `bucket` (0-based from `since`) of a `jobActivity` request. */
export interface JobActivityCount {
  bucket: number;
  /** Succeeded (finished, not failed, not cancelled). */
  completed: number;
  /** Gave up after their last attempt. */
  failed: number;
}

/** Recorded as `last_error` when a claim takes over a job whose lease expired. */
export const LEASE_EXPIRED_ERROR =
  "DocketError: attempt interrupted: the worker's lease expired before it recorded a result";

/** The `jobType` in a cron row's `data`, as the Compas queue wrote it. */
export const CRON_JOB_TYPE = "compas.queue.cronJob";
