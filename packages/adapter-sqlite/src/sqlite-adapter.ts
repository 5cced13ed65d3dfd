import {
  DocketError,
  type JobActionResult,
  type JobNameCounts,
  type JobRecord,
  type QueueCounts,
  type StorageAdapter,
} from "@docket/core";
import {
  type AdapterCapabilities,
  type AdapterTransaction,
  type ClaimRequest,
  type ClaimResult,
  type CleanupRequest,
  type CompleteResult,
  type CountJobsByNameRequest,
  type CronDefinition,
  closedAdapterError,
  type FileStoreSeam,
  invalidArgument,
  isFinishingOutcome,
  type JobActivityCount,
  type JobActivityRequest,
  type JobLease,
  type JobOutcome,
  LEASE_EXPIRED_ERROR,
  type ListJobsQuery,
  type NewJob,
  nextCronRow,
  type RetryFailedRequest,
  refusedAction,
  type SessionStoreSeam,
} from "@docket/core/adapter";
import * as actions from "./sqlite-actions.ts";
import {
  beginImmediate,
  inImmediateTransaction,
  openDatabase,
  prepared,
  preparedPositional,
  queueKeyOf,
  runWithBusyRetry,
  type SqliteDatabase,
} from "./sqlite-connection.ts";
import { toDocketError } from "./sqlite-errors.ts";
import { SqliteFileStore } from "./sqlite-files.ts";
import { TransactionGate } from "./sqlite-gate.ts";
import { migrateSqlite } from "./sqlite-migrations.ts";
import { isDatabase, resolveSqliteOptions, type SqliteAdapterOptions } from "./sqlite-options.ts";
import { PairedComplete, type WaitingOutcomes } from "./sqlite-paired-complete.ts";
import {
  compareClaimOrder,
  jobRowFromValues,
  type SqliteJobRow,
  toJobRecord,
} from "./sqlite-rows.ts";
import { createSqliteSessions } from "./sqlite-sessions.ts";
import * as sql from "./sqlite-sql.ts";

/** State of the adapter that opened the connection; adapters bound to a transaction have none. */
interface OwnerState {
  readonly gate: TransactionGate;
  /** Successes waiting one turn for the next claim's transaction. */
  readonly paired: PairedComplete;
  readonly ownsDatabase: boolean;
  closed: boolean;
  closing: Promise<void> | null;
}

/**
 * How an operation treats an open handler transaction (see `TransactionGate`): `worker`
 * operations always wait for it to end; `application` operations called from inside the
 * handler's own async context join it instead (waiting would deadlock the handler).
 */
type GateKind = "worker" | "application";

interface CountsRow {
  pending_count: number;
  scheduled_count: number;
  running_count: number;
  failed_count: number;
}

interface FinishedRow {
  id: number;
  name: string;
  cron_expression: string | null;
  priority: number;
}

interface PendingCronRow {
  id: number;
  cron_expression: string;
  priority: number;
}

let savepointCounter = 0;

/**
 * `StorageAdapter` on better-sqlite3. All statements are synchronous; each operation is
 * one statement or one `BEGIN IMMEDIATE` transaction, so it is atomic across processes
 * sharing the file. Times are epoch milliseconds from `Date.now()`.
 */
class SqliteAdapter implements StorageAdapter {
  readonly dialect = "sqlite";
  readonly capabilities: AdapterCapabilities = {
    pushWakeups: false,
    callerTransactions: true,
    advisoryLocks: false,
    clock: "process",
    multiProcess: true,
  };
  /** Session store rows, gated like every application operation (docs/sessions.md). */
  readonly sessions: SessionStoreSeam;

  constructor(
    readonly db: SqliteDatabase,
    private readonly table: string,
    readonly queueKey: string,
    /** Null on an adapter bound to a transaction: it runs directly on `db`, ungated. */
    private readonly owner: OwnerState | null,
  ) {
    this.sessions = createSqliteSessions(db, table, (action, work) =>
      this.run("application", action, work),
    );
  }

  /** File rows (docs/files.md), on this adapter's connection and gate. */
  get files(): FileStoreSeam {
    return new SqliteFileStore(this.db, this.table, (action, work) =>
      this.run("application", action, work),
    );
  }

  migrate(): Promise<void> {
    return this.run("application", "migrate", () => migrateSqlite(this.db, this.table));
  }

  now(): Promise<Date> {
    return Promise.resolve(new Date(Date.now()));
  }

  /**
   * Not `async`: the INSERTs run before the returned promise exists, so they land inside
   * a caller's synchronous `db.transaction(() => { void queueWorkerAddJob(...) })`.
   */
  enqueue(jobs: readonly NewJob[]): Promise<number[]> {
    if (jobs.length === 0) return Promise.resolve([]);
    return this.run("application", "enqueue", () => {
      const insertAll = (): number[] => {
        const now = Date.now();
        const ids: number[] = [];
        for (let start = 0; start < jobs.length; start += sql.INSERT_CHUNK_ROWS) {
          const chunk = jobs.slice(start, start + sql.INSERT_CHUNK_ROWS);
          const params: unknown[] = [];
          for (const job of chunk) {
            params.push(
              job.name,
              job.dataJson,
              job.priority,
              job.scheduledAt === null ? now : job.scheduledAt.getTime(),
              job.handlerTimeout,
              now,
              now,
            );
          }
          const rows = prepared<{ id: number }>(
            this.db,
            sql.insertJobs(this.table, chunk.length),
          ).all(...params);
          // RETURNING order is unspecified; AUTOINCREMENT numbers rows in VALUES order.
          for (const row of rows.sort((a, b) => a.id - b.id)) ids.push(row.id);
        }
        return ids;
      };
      // Several chunks must land together; one chunk is a single atomic statement.
      return jobs.length > sql.INSERT_CHUNK_ROWS
        ? inImmediateTransaction(this.db, insertAll)
        : insertAll();
    });
  }

  claim(request: ClaimRequest): Promise<ClaimResult> {
    const paired = this.owner?.paired;
    if (paired === undefined) return this.claimAlone(request);
    // Successes handed to `complete` in this turn are recorded first, in the claim's
    // transaction (see PairedComplete). Taken when the work first runs (it may wait for
    // the gate), kept across busy retries of the same work.
    let taken: { waiting: WaitingOutcomes | null } | undefined;
    const claiming = this.run("worker", "claim", () => {
      taken ??= { waiting: paired.take() };
      const waiting = taken.waiting;
      return inImmediateTransaction(this.db, () => {
        const now = Date.now();
        const completed = waiting === null ? null : this.recordOutcomes(waiting.outcomes, now);
        return { claimed: this.claimRows(request, now), completed };
      });
    });
    return claiming.then(
      ({ claimed, completed }) => {
        if (completed !== null) taken?.waiting?.resolve(completed);
        return claimed;
      },
      (error: unknown) => {
        const waiting = taken?.waiting ?? null;
        if (waiting === null) throw error;
        if (error instanceof DocketError && error.retryable) {
          // Nothing was written; the recorder and the worker retry as after any such error.
          waiting.reject(error);
          throw error;
        }
        // Something in the shared transaction failed for good: run each part alone, so
        // an outcome and a claim each fail only for their own reasons, as before pairing.
        this.writeOutcomes(waiting.outcomes).then(waiting.resolve, waiting.reject);
        return this.claimAlone(request);
      },
    );
  }

  /** A claim in a transaction of its own. */
  private claimAlone(request: ClaimRequest): Promise<ClaimResult> {
    return this.run("worker", "claim", () =>
      inImmediateTransaction(this.db, () => this.claimRows(request, Date.now())),
    );
  }

  /** The claim's statements, inside a transaction the caller opened, at `now`. */
  private claimRows(request: ClaimRequest, now: number): ClaimResult {
    const { names } = request;
    const candidates = preparedPositional<[id: number, exhausted: number]>(
      this.db,
      sql.selectClaimable(this.table, request.ignoreSorting, names.length, request.limit),
      true,
    ).all(
      sql.valueParams(
        { now, maxRetryCount: request.maxRetryCount, limit: request.limit },
        "name",
        names,
      ),
    );
    const ids: number[] = [];
    const exhausted: number[] = [];
    for (const [id, isExhausted] of candidates) (isExhausted ? exhausted : ids).push(id);
    // In the same transaction as the takeover: no crash can leave them stranded.
    const finished = exhausted.length === 0 ? [] : this.finishExhausted(exhausted, request, now);
    if (ids.length === 0) return { jobs: [], finished, now: new Date(now) };
    const lease = preparedPositional<unknown[]>(
      this.db,
      sql.leaseJobs(this.table, ids.length),
      true,
    );
    const values = lease.all(
      sql.valueParams(
        {
          leaseToken: request.leaseToken,
          now,
          leaseMs: request.leaseMs,
          leaseExpiredError: LEASE_EXPIRED_ERROR,
        },
        "id",
        ids,
      ),
    );
    const rows = values.map(jobRowFromValues);
    if (!request.ignoreSorting) rows.sort(compareClaimOrder);
    return { jobs: rows.map(toJobRecord), finished, now: new Date(now) };
  }

  /**
   * Finishes (or deletes) claimed rows whose expired lease held their last attempt and
   * schedules their cron successors, inside the claim's transaction. Returns their ids.
   */
  private finishExhausted(ids: number[], request: ClaimRequest, now: number): number[] {
    const statement =
      request.deleteOnFinish === true
        ? sql.deleteExhausted(this.table)
        : sql.finishExhausted(this.table);
    const cronSuccessor = request.cronSuccessor ?? nextCronRow;
    const rows = prepared<FinishedRow>(this.db, statement).all({
      ids: JSON.stringify(ids),
      now,
      maxRetryCount: request.maxRetryCount,
      leaseExpiredError: LEASE_EXPIRED_ERROR,
    });
    for (const row of rows) {
      if (row.cron_expression === null) continue;
      const successor = cronSuccessor(
        { name: row.name, cronExpression: row.cron_expression, priority: row.priority },
        new Date(now),
      );
      if (successor !== null) this.insertCron(successor, now);
    }
    return rows.map((row) => row.id).sort((a, b) => a - b);
  }

  heartbeat(leases: readonly JobLease[], leaseMs: number): Promise<number[]> {
    if (leases.length === 0) return Promise.resolve([]);
    return this.run("worker", "heartbeat", () =>
      inImmediateTransaction(this.db, () => {
        const now = Date.now();
        const extend = prepared(this.db, sql.extendLease(this.table));
        const lost: number[] = [];
        for (const lease of leases) {
          const result = extend.run({ id: lease.id, leaseToken: lease.leaseToken, now, leaseMs });
          if (result.changes === 0) lost.push(lease.id);
        }
        return lost;
      }),
    );
  }

  complete(outcomes: readonly JobOutcome[]): Promise<CompleteResult> {
    if (outcomes.length === 0) return Promise.resolve({ recorded: [], lost: [] });
    // A bound adapter (a transactional handler's) writes at once, inside its transaction.
    const paired = this.owner?.closed === false ? this.owner.paired : undefined;
    if (paired?.canWait(outcomes)) {
      return paired.wait(outcomes, (alone) => this.writeOutcomes(alone));
    }
    return this.writeOutcomes(outcomes);
  }

  /** `complete` in a transaction of its own. */
  private writeOutcomes(outcomes: readonly JobOutcome[]): Promise<CompleteResult> {
    return this.run("worker", "complete", () =>
      inImmediateTransaction(this.db, () => this.recordOutcomes(outcomes, Date.now())),
    );
  }

  /** Every outcome's guarded write, inside a transaction the caller opened, at `now`. */
  private recordOutcomes(outcomes: readonly JobOutcome[], now: number): CompleteResult {
    const recorded: number[] = [];
    const lost: number[] = [];
    for (const outcome of outcomes) {
      const changes = this.recordOutcome(outcome, now);
      if (changes === 0) {
        lost.push(outcome.id);
        continue;
      }
      recorded.push(outcome.id);
      // Only the outcome whose guard won schedules the next run; the unique
      // pending-cron index drops it when a pending row for the name exists already.
      if (outcome.cronSuccessor !== null) this.insertCron(outcome.cronSuccessor, now);
    }
    return { recorded, lost };
  }

  syncCron(definitions: readonly CronDefinition[]): Promise<void> {
    return this.run("application", "syncCron", () =>
      // BEGIN IMMEDIATE is the database-wide lock: concurrent registrations run one
      // after another, each seeing the rows the previous one wrote.
      inImmediateTransaction(this.db, () => {
        const now = Date.now();
        prepared(this.db, sql.deleteUndefinedCronJobs(this.table)).run({
          names: JSON.stringify(definitions.map((definition) => definition.name)),
        });
        const selectPending = prepared<PendingCronRow>(
          this.db,
          sql.selectPendingCronJob(this.table),
        );
        for (const definition of definitions) {
          const pending = selectPending.get({ name: definition.name });
          if (pending === undefined) {
            this.insertCron(definition, now);
          } else if (
            pending.cron_expression !== definition.cronExpression ||
            pending.priority !== definition.priority
          ) {
            prepared(this.db, sql.retimeCronJob(this.table)).run({
              id: pending.id,
              cronExpression: definition.cronExpression,
              priority: definition.priority,
              data: definition.dataJson,
              scheduledAt: definition.nextRunAt.getTime(),
              now,
            });
          }
          // Unchanged: left alone, so a run that is due is not skipped by a deploy.
        }
      }),
    );
  }

  cleanup(request: CleanupRequest): Promise<number> {
    return this.run("application", "cleanup", () => {
      const result = prepared(this.db, sql.cleanupFinished(this.table)).run({
        completedBefore: request.completedBefore.getTime(),
        limit: request.limit,
      });
      return result.changes;
    });
  }

  insights(): Promise<QueueCounts> {
    return this.run("application", "insights", () => {
      const row = prepared<CountsRow>(this.db, sql.queueCounts(this.table)).get({
        now: Date.now(),
      });
      return {
        pendingCount: row?.pending_count ?? 0,
        scheduledCount: row?.scheduled_count ?? 0,
        runningCount: row?.running_count ?? 0,
        failedCount: row?.failed_count ?? 0,
      };
    });
  }

  retryJob(id: number): Promise<JobActionResult> {
    return this.guardedAction("retryJob", id, actions.retryJob(this.table));
  }

  retryFailedJobs(request: RetryFailedRequest): Promise<number> {
    return this.run("application", "retryFailedJobs", () => {
      const params: Record<string, unknown> = { now: Date.now() };
      if (request.name !== null) params.name = request.name;
      const source = actions.retryFailedJobs(this.table, request.name !== null);
      return prepared(this.db, source).run(params).changes;
    });
  }

  cancelJob(id: number): Promise<JobActionResult> {
    return this.guardedAction("cancelJob", id, actions.cancelJob(this.table));
  }

  deleteJob(id: number): Promise<JobActionResult> {
    return this.guardedAction("deleteJob", id, actions.deleteJob(this.table));
  }

  countJobsByName(request: CountJobsByNameRequest): Promise<JobNameCounts[]> {
    return this.run("application", "countJobsByName", () => {
      const now = Date.now();
      const byName = new Map<string, JobNameCounts>();
      const entry = (name: string): JobNameCounts => {
        let counts = byName.get(name);
        if (counts === undefined) {
          counts = {
            name,
            pending: 0,
            scheduled: 0,
            running: 0,
            completed: 0,
            failed: 0,
            cancelled: 0,
          };
          byName.set(name, counts);
        }
        return counts;
      };
      type Open = { name: string; pending: number; scheduled: number; running: number };
      for (const row of prepared<Open>(this.db, actions.countOpenJobsByName(this.table)).all({
        now,
      })) {
        Object.assign(entry(row.name), {
          pending: row.pending,
          scheduled: row.scheduled,
          running: row.running,
        });
      }
      type Finished = { name: string; completed: number; failed: number; cancelled: number };
      const since = request.finishedSince;
      const finished = prepared<Finished>(
        this.db,
        actions.countFinishedJobsByName(this.table, since !== null),
      );
      for (const row of since === null
        ? finished.all()
        : finished.all({ since: since.getTime() })) {
        Object.assign(entry(row.name), {
          completed: row.completed,
          failed: row.failed,
          cancelled: row.cancelled,
        });
      }
      return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }

  jobActivity(request: JobActivityRequest): Promise<JobActivityCount[]> {
    return this.run("application", "jobActivity", () =>
      prepared<JobActivityCount>(this.db, actions.jobActivity(this.table)).all({
        since: request.since.getTime(),
        bucketMs: request.bucketMs,
      }),
    );
  }

  /** Runs a guarded single-row write at one `now`; when it changed nothing, says why. */
  private guardedAction(action: string, id: number, source: string): Promise<JobActionResult> {
    return this.run("application", action, (): JobActionResult => {
      const now = Date.now();
      if (prepared(this.db, source).run({ id, now }).changes === 1) return { ok: true };
      const row = prepared<SqliteJobRow>(this.db, sql.selectJob(this.table)).get({ id });
      return refusedAction(row === undefined ? null : toJobRecord(row), new Date(now));
    });
  }

  getJob(id: number): Promise<JobRecord | null> {
    return this.run("application", "getJob", () => {
      const row = prepared<SqliteJobRow>(this.db, sql.selectJob(this.table)).get({ id });
      return row === undefined ? null : toJobRecord(row);
    });
  }

  listJobs(query: ListJobsQuery): Promise<JobRecord[]> {
    return this.run("application", "listJobs", () => {
      const source = sql.listJobs(
        this.table,
        query.name !== undefined,
        query.state ?? null,
        query.beforeId !== undefined,
        query.cron === true,
      );
      const params: Record<string, unknown> = { limit: query.limit };
      if (query.name !== undefined) params.name = query.name;
      if (query.beforeId !== undefined) params.beforeId = query.beforeId;
      if (query.state === "running" || query.state === "scheduled" || query.state === "pending") {
        params.now = Date.now();
      }
      return prepared<SqliteJobRow>(this.db, source).all(params).map(toJobRecord);
    });
  }

  withTransaction(nativeTransaction: unknown): StorageAdapter {
    if (!isDatabase(nativeTransaction)) {
      throw invalidArgument("nativeTransaction", "a better-sqlite3 Database", nativeTransaction);
    }
    return new SqliteAdapter(nativeTransaction, this.table, this.queueKey, null);
  }

  transaction<T>(fn: (tx: AdapterTransaction) => Promise<T>): Promise<T> {
    const owner = this.owner;
    if (owner === null || owner.gate.insideTransaction) return this.inSavepoint(fn);
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    // One connection: the handler's transaction has it to itself until it ends (see
    // TransactionGate for why every other operation of this adapter waits meanwhile).
    return owner.gate.hold(async () => {
      await beginImmediate(this.db, sql.BEGIN_IMMEDIATE);
      const bound = new SqliteAdapter(this.db, this.table, this.queueKey, null);
      let result: T;
      try {
        result = await fn({ db: this.db, adapter: bound });
      } catch (error) {
        this.quietly(sql.ROLLBACK);
        throw error;
      }
      try {
        if (this.db.inTransaction) this.db.exec(sql.COMMIT);
      } catch (error) {
        this.quietly(sql.ROLLBACK);
        throw toDocketError(error, "commit transaction");
      }
      return result;
    });
  }

  close(): Promise<void> {
    const owner = this.owner;
    if (owner === null) return Promise.resolve();
    // Successes still waiting for a claim are written before the connection goes away.
    const waiting = owner.closed ? null : owner.paired.take();
    if (waiting !== null)
      this.writeOutcomes(waiting.outcomes).then(waiting.resolve, waiting.reject);
    owner.closed = true;
    owner.closing ??= (async () => {
      // Let a running handler transaction finish before the connection goes away.
      while (owner.gate.busy) await owner.gate.whenIdle();
      if (owner.ownsDatabase && this.db.open) this.db.close();
    })();
    return owner.closing;
  }

  /** A nested transaction (bound adapter, or a handler's own context): a savepoint. */
  private async inSavepoint<T>(fn: (tx: AdapterTransaction) => Promise<T>): Promise<T> {
    const name = `docket_tx_${++savepointCounter}`;
    try {
      this.db.exec(sql.savepoint(name));
    } catch (error) {
      throw toDocketError(error, "begin savepoint");
    }
    const bound =
      this.owner === null ? this : new SqliteAdapter(this.db, this.table, this.queueKey, null);
    let result: T;
    try {
      result = await fn({ db: this.db, adapter: bound });
    } catch (error) {
      this.quietly(sql.rollbackToSavepoint(name));
      this.quietly(sql.releaseSavepoint(name));
      throw error;
    }
    try {
      this.db.exec(sql.releaseSavepoint(name));
    } catch (error) {
      throw toDocketError(error, "release savepoint");
    }
    return result;
  }

  /** One outcome's guarded write; returns 1 when its lease guard won, else 0. */
  private recordOutcome(outcome: JobOutcome, now: number): number {
    const guard = { id: outcome.id, leaseToken: outcome.leaseToken, now };
    if (outcome.deleteOnFinish && isFinishingOutcome(outcome.kind)) {
      return prepared(this.db, sql.deleteFinished(this.table)).run(guard).changes;
    }
    return preparedPositional(this.db, sql.completeOutcome(this.table, outcome.kind), false).run({
      ...guard,
      error: outcome.error,
      retryDelayMs: outcome.retryDelayMs,
    }).changes;
  }

  /**
   * Ends a transaction on a failure path. Its own failure (the connection closed, the
   * transaction already ended) must not hide the error that brought us here.
   */
  private quietly(source: string): void {
    if (!this.db.open || !this.db.inTransaction) return;
    try {
      this.db.exec(source);
    } catch {
      // The original error is rethrown by the caller.
    }
  }

  private insertCron(definition: CronDefinition, now: number): void {
    prepared(this.db, sql.insertCronJob(this.table)).run({
      name: definition.name,
      data: definition.dataJson,
      priority: definition.priority,
      scheduledAt: definition.nextRunAt.getTime(),
      cronExpression: definition.cronExpression,
      now,
    });
  }

  private assertOpen(): void {
    if (this.owner?.closed) {
      throw closedAdapterError("sqlite");
    }
  }

  /** A promise to wait on while the gate keeps this kind of operation out, else null. */
  private blockedBy(kind: GateKind): Promise<void> | null {
    const gate = this.owner?.gate;
    if (gate === undefined || !gate.busy) return null;
    if (kind === "application" && gate.insideTransaction) return null;
    return gate.whenIdle();
  }

  /**
   * Runs `work` synchronously when the gate allows (so it can join a caller's
   * synchronous transaction), else after the handler transaction ended; busy retries and
   * error mapping in `runWithBusyRetry`.
   */
  private run<T>(kind: GateKind, action: string, work: () => T): Promise<T> {
    try {
      this.assertOpen();
      const wait = this.blockedBy(kind);
      if (wait !== null) return wait.then(() => this.run(kind, action, work));
      return runWithBusyRetry(this.db, action, work, () => this.blockedBy(kind));
    } catch (error) {
      return Promise.reject(toDocketError(error, action));
    }
  }
}

/**
 * A Docket storage adapter on SQLite (better-sqlite3 12). With `filename` the adapter
 * opens the database (WAL, `busy_timeout` = `busyTimeoutMs` (default 5000),
 * `synchronous = NORMAL`) and closes it on `close()`; with `database` it uses the
 * application's handle and never closes it. Table default `docket_job`. Call `migrate()`
 * before use. Safe for several processes on one file.
 */
export function createSqliteAdapter(options: SqliteAdapterOptions): StorageAdapter {
  const resolved = resolveSqliteOptions(options);
  const { db, ownsDatabase } = openDatabase(resolved);
  const owner: OwnerState = {
    gate: new TransactionGate(),
    paired: new PairedComplete(),
    ownsDatabase,
    closed: false,
    closing: null,
  };
  return new SqliteAdapter(db, resolved.tableName, queueKeyOf(db, resolved.tableName), owner);
}
