import { closedAdapterError } from "../adapter/adapter-errors.ts";
import { DocketError, invalidArgument, invalidOption } from "../errors.ts";
import type { JobRecord } from "../job-record.ts";
import type {
  AdapterCapabilities,
  AdapterTransaction,
  ClaimRequest,
  ClaimResult,
  CleanupRequest,
  CompleteResult,
  CountJobsByNameRequest,
  CronDefinition,
  JobActionResult,
  JobActivityCount,
  JobActivityRequest,
  JobLease,
  JobNameCounts,
  JobOutcome,
  ListJobsQuery,
  NewJob,
  QueueCounts,
  RetryFailedRequest,
  StorageAdapter,
} from "../storage-adapter.ts";
import {
  actionGuards,
  claimJobs,
  extendLeases,
  guardedAction,
  insertJobs,
  recordOutcome,
  retryRow,
  stateOf,
  syncCronRows,
  toJobRecord,
} from "./memory-queue.ts";
import {
  CommittedScope,
  MemoryDb,
  type MemoryScope,
  MemoryStore,
  MemoryTransaction,
  TransactionScope,
} from "./memory-store.ts";

export { MemoryDb, MemoryTransaction } from "./memory-store.ts";

export interface MemoryAdapterOptions {
  /** The clock in epoch ms; default `Date.now` (the process clock, as on SQLite). */
  now?: () => number;
  /**
   * Another memory adapter's `db`: the new adapter works on the same store, like a
   * second connection to one database. Default: a new, empty store.
   */
  db?: MemoryDb;
}

/**
 * The reference adapter: the queue contract of `StorageAdapter` as the simplest runnable
 * code, in process memory (docs/adapters.md). Each store is its own queue; nothing
 * survives the process. Files and sessions are not provided.
 *
 * Like SQLite's single writer, an open transaction holds the store's writer turn: writes
 * through the root adapter wait until it ends. Code inside a transaction writes through
 * `tx.adapter`; a root write awaited from inside the transaction would wait for itself.
 */
export function createMemoryAdapter(options: MemoryAdapterOptions = {}): StorageAdapter {
  if (typeof options !== "object" || options === null) {
    throw invalidOption("options", "an object", options);
  }
  if (options.now !== undefined && typeof options.now !== "function") {
    throw invalidOption("options.now", "a function returning epoch milliseconds", options.now);
  }
  if (options.db !== undefined && !(options.db instanceof MemoryDb)) {
    throw invalidOption("options.db", "another memory adapter's db", options.db);
  }
  const store = options.db?.store ?? new MemoryStore(options.now ?? Date.now);
  return new MemoryAdapter(store, new CommittedScope(store), { closed: false });
}

class MemoryAdapter implements StorageAdapter {
  readonly dialect = "memory";
  readonly capabilities: AdapterCapabilities = {
    pushWakeups: false,
    callerTransactions: true,
    advisoryLocks: false,
    clock: "process",
    multiProcess: false,
  };
  readonly queueKey: string;
  readonly db: MemoryDb;

  constructor(
    private readonly store: MemoryStore,
    private readonly scope: MemoryScope,
    /** Shared with the adapters bound from this one: closing the owner closes them too. */
    private readonly life: { closed: boolean },
    /** For a bound adapter: the transaction handle it writes on. */
    db?: MemoryTransaction,
  ) {
    this.queueKey = store.key;
    this.db = db ?? new MemoryDb(store, scope);
  }

  private clock(): number {
    const now = this.store.clock();
    if (!Number.isFinite(now)) {
      throw new DocketError("database_error", `the memory adapter's clock returned ${now}`);
    }
    return now;
  }

  private read<T>(fn: (state: ReturnType<MemoryScope["read"]>, now: number) => T): Promise<T> {
    try {
      this.assertOpen();
      return Promise.resolve(fn(this.scope.read(), this.clock()));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private write<T>(fn: (state: ReturnType<MemoryScope["read"]>, now: number) => T): Promise<T> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    // The clock is read when the write gets its turn, not when it was queued.
    return this.scope.write((state) => fn(state, this.clock()));
  }

  private assertOpen(): void {
    if (this.life.closed) throw closedAdapterError("memory");
  }

  private readonly nextId = (): number => this.store.nextId();

  async migrate(): Promise<void> {
    this.assertOpen();
  }

  now(): Promise<Date> {
    return this.read((_state, now) => new Date(now));
  }

  enqueue(jobs: readonly NewJob[]): Promise<number[]> {
    return this.write((state, now) => insertJobs(state, jobs, this.nextId, now));
  }

  claim(request: ClaimRequest): Promise<ClaimResult> {
    return this.write((state, now) => {
      const { jobs, finished } = claimJobs(state, request, this.nextId, now);
      return { jobs: jobs.map(toJobRecord), finished, now: new Date(now) };
    });
  }

  heartbeat(leases: readonly JobLease[], leaseMs: number): Promise<number[]> {
    return this.write((state, now) => extendLeases(state, leases, leaseMs, now));
  }

  complete(outcomes: readonly JobOutcome[]): Promise<CompleteResult> {
    return this.write((state, now) => {
      const result: CompleteResult = { recorded: [], lost: [] };
      for (const outcome of outcomes) {
        const won = recordOutcome(state, outcome, this.nextId, now);
        (won ? result.recorded : result.lost).push(outcome.id);
      }
      return result;
    });
  }

  syncCron(definitions: readonly CronDefinition[]): Promise<void> {
    return this.write((state, now) => syncCronRows(state, definitions, this.nextId, now));
  }

  cleanup(request: CleanupRequest): Promise<number> {
    const before = request.completedBefore.getTime();
    return this.write((state) => {
      const old = [...state.jobs.values()]
        .filter((row) => row.isComplete && row.completedAt !== null && row.completedAt < before)
        .sort((a, b) => (a.completedAt ?? 0) - (b.completedAt ?? 0) || a.id - b.id)
        .slice(0, request.limit);
      for (const row of old) state.jobs.delete(row.id);
      return old.length;
    });
  }

  insights(): Promise<QueueCounts> {
    return this.read((state, now) => {
      const counts: QueueCounts = {
        pendingCount: 0,
        scheduledCount: 0,
        runningCount: 0,
        failedCount: 0,
      };
      for (const row of state.jobs.values()) {
        if (row.failedAt !== null) counts.failedCount++;
        if (row.isComplete) continue;
        if (row.scheduledAt <= now) counts.pendingCount++;
        else counts.scheduledCount++;
        if (row.lockedUntil !== null && row.lockedUntil > now) counts.runningCount++;
      }
      return counts;
    });
  }

  getJob(id: number): Promise<JobRecord | null> {
    return this.read((state) => {
      const row = state.jobs.get(id);
      return row === undefined ? null : toJobRecord(row);
    });
  }

  listJobs(query: ListJobsQuery): Promise<JobRecord[]> {
    return this.read((state, now) =>
      [...state.jobs.values()]
        .filter(
          (row) =>
            (query.name === undefined || row.name === query.name) &&
            (query.state === undefined || stateOf(row, now) === query.state) &&
            (query.beforeId === undefined || row.id < query.beforeId) &&
            (query.cron !== true || row.cronExpression !== null),
        )
        .sort((a, b) => b.id - a.id)
        .slice(0, query.limit)
        .map(toJobRecord),
    );
  }

  retryJob(id: number): Promise<JobActionResult> {
    return this.write((state, now) =>
      guardedAction(state, id, now, actionGuards.retry, (row) =>
        state.jobs.set(row.id, retryRow(row, now)),
      ),
    );
  }

  retryFailedJobs(request: RetryFailedRequest): Promise<number> {
    return this.write((state, now) => {
      let count = 0;
      for (const row of [...state.jobs.values()]) {
        if (!actionGuards.isFailed(row)) continue;
        if (request.name !== null && row.name !== request.name) continue;
        state.jobs.set(row.id, retryRow(row, now));
        count++;
      }
      return count;
    });
  }

  cancelJob(id: number): Promise<JobActionResult> {
    return this.write((state, now) =>
      guardedAction(
        state,
        id,
        now,
        (row) => actionGuards.cancel(row, now),
        (row) =>
          state.jobs.set(row.id, {
            ...row,
            isComplete: true,
            completedAt: now,
            cancelledAt: now,
            updatedAt: now,
            lockedBy: null,
            lockedUntil: null,
          }),
      ),
    );
  }

  deleteJob(id: number): Promise<JobActionResult> {
    return this.write((state, now) =>
      guardedAction(
        state,
        id,
        now,
        (row) => actionGuards.delete(row, now),
        (row) => void state.jobs.delete(row.id),
      ),
    );
  }

  countJobsByName(request: CountJobsByNameRequest): Promise<JobNameCounts[]> {
    const since = request.finishedSince?.getTime() ?? null;
    return this.read((state, now) => {
      const byName = new Map<string, JobNameCounts>();
      for (const row of state.jobs.values()) {
        if (row.isComplete && since !== null && (row.completedAt ?? 0) < since) continue;
        let counts = byName.get(row.name);
        if (counts === undefined) {
          counts = {
            name: row.name,
            pending: 0,
            scheduled: 0,
            running: 0,
            completed: 0,
            failed: 0,
            cancelled: 0,
          };
          byName.set(row.name, counts);
        }
        counts[stateOf(row, now)]++;
      }
      return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }

  jobActivity(request: JobActivityRequest): Promise<JobActivityCount[]> {
    const since = request.since.getTime();
    return this.read((state) => {
      const buckets = new Map<number, JobActivityCount>();
      for (const row of state.jobs.values()) {
        if (!row.isComplete || row.cancelledAt !== null || row.completedAt === null) continue;
        if (row.completedAt < since) continue;
        const bucket = Math.floor((row.completedAt - since) / request.bucketMs);
        const counts = buckets.get(bucket) ?? { bucket, completed: 0, failed: 0 };
        if (row.failedAt === null) counts.completed++;
        else counts.failed++;
        buckets.set(bucket, counts);
      }
      return [...buckets.values()].sort((a, b) => a.bucket - b.bucket);
    });
  }

  withTransaction(nativeTransaction: unknown): StorageAdapter {
    if (
      !(nativeTransaction instanceof MemoryTransaction) ||
      nativeTransaction.store !== this.store
    ) {
      throw invalidArgument(
        "nativeTransaction",
        "a transaction from this memory adapter's db.begin()",
        nativeTransaction,
      );
    }
    return new MemoryAdapter(this.store, nativeTransaction.scope, this.life, nativeTransaction);
  }

  async transaction<T>(fn: (tx: AdapterTransaction) => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.scope instanceof TransactionScope) {
      // Already inside one: a savepoint on the same working copy.
      const scope = this.scope;
      return scope.nested(() => fn({ db: this.db, adapter: this }));
    }
    const native = await this.db.begin();
    const bound = new MemoryAdapter(this.store, native.scope, this.life, native);
    let result: T;
    try {
      result = await fn({ db: bound.db, adapter: bound });
    } catch (error) {
      await native.rollback();
      throw error;
    }
    await native.commit();
    return result;
  }

  async close(): Promise<void> {
    this.life.closed = true;
  }
}
