import { createHash } from "node:crypto";
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
  type JobActivityCount,
  type JobActivityRequest,
  type JobLease,
  type JobOutcome,
  LEASE_EXPIRED_ERROR,
  type ListJobsQuery,
  type NewJob,
  nextCronRow,
  outcomeEffect,
  type RetryFailedRequest,
  refusedAction,
  type SessionStoreSeam,
} from "@docket/core/adapter";
import type { ClientBase, ClientConfig, Pool, QueryConfig, QueryResultRow } from "pg";
import pg from "pg";
import * as actions from "./postgres-actions.ts";
import {
  CLAIM_TYPES,
  type ClaimedJobRow,
  claimedJobRecord,
  microsToDate,
} from "./postgres-claim-rows.ts";
import { brokeConnection, toDocketError } from "./postgres-errors.ts";
import { PostgresFileStore } from "./postgres-files.ts";
import { PostgresListener } from "./postgres-listener.ts";
import { migratePostgres } from "./postgres-migrations.ts";
import { type PostgresAdapterOptions, resolvePostgresOptions } from "./postgres-options.ts";
import {
  type PostgresCountsRow,
  type PostgresJobRow,
  type PostgresNameCountsRow,
  toJobRecord,
  toNameCounts,
  toNumber,
  toQueueCounts,
} from "./postgres-rows.ts";
import { postgresSchemaNames } from "./postgres-schema-ddl.ts";
import { createPostgresSessions } from "./postgres-sessions.ts";
import * as sql from "./postgres-sql.ts";

/** Anything that runs a query: the pool, or one client (a transaction's). */
interface Queryable {
  query<R extends QueryResultRow>(
    config: QueryConfig,
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A row `finishExhaustedJobs` finished or deleted. */
interface FinishedRow extends QueryResultRow {
  id: unknown;
  name: string;
  cron_expression: string | null;
  priority: number;
  db_now: Date;
}

/** Statement texts built once per adapter, and their prepared-statement names. */
interface Statements {
  readonly claimSorted: QueryText;
  readonly claimUnsorted: QueryText;
  /** The claim statements that first finish paired successes, per way of finishing them. */
  readonly paired: Readonly<Record<sql.DoneFinish, PairedStatements>>;
  readonly enqueue: QueryText;
  readonly heartbeat: QueryText;
  readonly complete: QueryText;
  readonly completeSucceeded: QueryText;
}

interface QueryText {
  readonly name: string;
  readonly text: string;
}

/** The complete-and-claim statements for one way of finishing the paired successes. */
interface PairedStatements {
  readonly completeAndClaimSorted: QueryText;
  readonly completeAndClaimUnsorted: QueryText;
  readonly completeOneAndClaimOneSorted: QueryText;
  readonly completeOneAndClaimOneUnsorted: QueryText;
  /** `completeAndClaimFixedLimit` for a limit of 2 to `FIXED_CLAIM_LIMIT_MAX`, built on first use. */
  readonly completeAndClaimFixedLimit: (sorted: boolean, limit: number) => QueryText;
}

/** A row of `claimJobs` / `completeAndClaimJobs`: a leased job, or the one summary row. */
type ClaimRow = ClaimedJobRow & Partial<ClaimSummaryRow>;

/** The summary row of a claim: NULL job columns, then these. */
interface ClaimSummaryRow {
  /** The statement's clock, in microseconds since the epoch. */
  db_now: unknown;
  exhausted_ids: unknown[];
  /** `STATS_DRIFT` in postgres-sql.ts: 0 settled, 1 drifted, 2 stale. */
  stats_drift: unknown;
  done_ids?: unknown[];
}

interface PendingSuccesses {
  readonly outcomes: readonly JobOutcome[];
  /** Every outcome deletes its row (`deleteOnFinish`), or none does. */
  readonly finish: sql.DoneFinish;
  resolve(result: CompleteResult): void;
  reject(error: unknown): void;
}

/**
 * Splits a batch into recorded (guard held: id in `won`) and lost. One statement updates a
 * row once, so a job named twice in a batch is recorded once; the repeat is lost, as it
 * would be if sent after.
 */
function completeResult(outcomes: readonly JobOutcome[], won: ReadonlySet<number>): CompleteResult {
  const recorded: number[] = [];
  const lost: number[] = [];
  const counted = new Set<number>();
  for (const { id } of outcomes) {
    const first = won.has(id) && !counted.has(id);
    counted.add(id);
    (first ? recorded : lost).push(id);
  }
  return { recorded, lost };
}

/** What an adapter and every adapter bound to one of its transactions share. */
interface SharedState {
  readonly pool: Pool;
  readonly ownsPool: boolean;
  readonly names: sql.PostgresTableNames;
  readonly statements: Statements;
  readonly queueKey: string;
  /** `<schema>.<table>` or `<table>`: the advisory-lock keys derive from it. */
  readonly lockKey: string;
  readonly channel: string | null;
  readonly listener: PostgresListener | null;
  closing: Promise<void> | null;
  /**
   * A `complete` of plain successes waiting one turn of the event loop for a `claim` to
   * ride along with (`completeAndClaimJobs`); null when none waits.
   */
  pendingSuccesses: PendingSuccesses | null;
  /**
   * The last claim found the planner statistics settled (`STATS_DRIFT`): only then may a
   * claim use a statement whose generic plan Postgres keeps (`completeOneAndClaimOne`).
   */
  statsSettled: boolean;
  /** Background ANALYZE of stale statistics (`refreshStaleStatistics`). */
  analyzing: boolean;
  analyzedAt: number;
}

/**
 * Creates the Postgres storage adapter. With `{ connectionString }` it opens its own
 * `pg.Pool` (`poolSize` connections, default 10) and ends it on `close()`; with
 * `{ pool }` it uses the application's pool and never ends it. Call `migrate()` once
 * before use. Throws `DocketError` `invalid_option` for bad options.
 */
export function createPostgresAdapter(options: PostgresAdapterOptions): StorageAdapter {
  const resolved = resolvePostgresOptions(options);
  const key =
    resolved.schema === null ? resolved.tableName : `${resolved.schema}.${resolved.tableName}`;
  const names = sql.postgresTableNames(resolved.schema, resolved.tableName);

  let pool: Pool;
  let clientConfig: ClientConfig;
  if (resolved.pool !== null) {
    pool = resolved.pool;
    clientConfig = { ...(pool.options as ClientConfig) };
  } else {
    clientConfig = { connectionString: resolved.connectionString as string };
    pool = new pg.Pool({ ...clientConfig, max: resolved.poolSize });
    // An idle pooled client whose backend dies emits 'error' on the pool; with no
    // listener that would crash the process. The pool already drops the client, and the
    // next call that needs the database reports the problem, so nothing else to do here.
    pool.on("error", () => {});
  }

  const channel = resolved.notify ? identifierWithin63(`docket_${key}`) : null;
  const statementName = (op: string) => identifierWithin63(`docket_${op}_${key}`);
  const statements: Statements = {
    claimSorted: { name: statementName("claim"), text: sql.claimJobs(names, true) },
    claimUnsorted: { name: statementName("claim_any"), text: sql.claimJobs(names, false) },
    paired: {
      update: pairedStatements(names, "update", (op) => statementName(`done${op}`)),
      delete: pairedStatements(names, "delete", (op) => statementName(`deleted${op}`)),
    },
    // The text differs with notify, so the name must too (names are per connection).
    enqueue: {
      name: statementName(channel === null ? "enqueue_quiet" : "enqueue"),
      text: sql.enqueueJobs(names, channel !== null),
    },
    heartbeat: { name: statementName("heartbeat"), text: sql.heartbeatJobs(names) },
    complete: { name: statementName("complete"), text: sql.completeJobs(names) },
    completeSucceeded: {
      name: statementName("complete_ok"),
      text: sql.completeSucceededJobs(names),
    },
  };

  const shared: SharedState = {
    pool,
    ownsPool: resolved.pool === null,
    names,
    statements,
    queueKey: `postgres:${describeTarget(clientConfig)}#${key}`,
    lockKey: key,
    channel,
    listener:
      channel === null ? null : new PostgresListener(() => new pg.Client(clientConfig), channel),
    closing: null,
    pendingSuccesses: null,
    statsSettled: false,
    analyzing: false,
    analyzedAt: 0,
  };
  return new PostgresAdapter(shared, null);
}

/**
 * The adapter. `client === null`: the root adapter, running on the pool. Otherwise it is
 * bound to one client in a transaction (the caller's, or one `transaction()` opened) and
 * never commits, rolls back or releases it.
 */
class PostgresAdapter implements StorageAdapter {
  readonly dialect = "postgres";
  // TypeScript-private, not `#private`: core and tests may wrap an adapter with
  // `Object.create(adapter)`, and `#fields` do not work through a prototype.
  private readonly shared: SharedState;
  private readonly client: ClientBase | null;
  /** Absent when `notify: false`, so core polls. */
  readonly subscribe?: (onWake: () => void) => () => void;
  /** Session store rows, on the pool or this adapter's bound client (docs/sessions.md). */
  readonly sessions: SessionStoreSeam;
  readonly capabilities: AdapterCapabilities;

  constructor(shared: SharedState, client: ClientBase | null) {
    this.shared = shared;
    this.client = client;
    this.capabilities = {
      pushWakeups: shared.listener !== null,
      callerTransactions: true,
      advisoryLocks: true,
      clock: "database",
      multiProcess: true,
    };
    this.sessions = createPostgresSessions(shared.names.sessions, {
      query: (operation, config) => this.runQuery(operation, config),
      transaction: (operation, work) =>
        this.inTransaction(operation, (bound) => work((config) => run(bound, operation, config))),
    });
    const listener = shared.listener;
    if (listener !== null) this.subscribe = (onWake) => listener.subscribe(onWake);
  }

  get queueKey(): string {
    return this.shared.queueKey;
  }

  get db(): unknown {
    return this.client ?? this.shared.pool;
  }

  /** File rows (docs/files.md), on the pool or this adapter's bound client. */
  get files(): FileStoreSeam {
    return new PostgresFileStore(this.shared.names, (operation, config) =>
      this.runQuery(operation, config),
    );
  }

  async migrate(): Promise<void> {
    await migratePostgres(
      (work) =>
        this.inTransaction("migrate", (client) => work((config) => run(client, "migrate", config))),
      postgresSchemaNames(this.shared.names.table),
      this.shared.lockKey,
    );
  }

  async now(): Promise<Date> {
    const result = await this.runQuery<{ now: Date }>("now", { text: sql.selectNow() });
    return result.rows[0]!.now;
  }

  async enqueue(jobs: readonly NewJob[]): Promise<number[]> {
    if (jobs.length === 0) return [];
    const { enqueue } = this.shared.statements;
    const values: unknown[] = [
      jobs.map((job) => job.name),
      jobs.map((job) => job.dataJson),
      jobs.map((job) => job.priority),
      jobs.map((job) => job.scheduledAt),
      jobs.map((job) => job.handlerTimeout),
    ];
    if (this.shared.channel !== null) values.push(this.shared.channel);
    const result = await this.runQuery<{ id: unknown }>("enqueue", { ...enqueue, values });
    // Ids were taken from the sequence in input order (see `enqueueJobs`).
    return result.rows.map((row) => toNumber(row.id)).sort((a, b) => a - b);
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    // A `complete` of plain successes handed in this turn rides along: one round trip and
    // one commit for both (see `completeAndClaimJobs`).
    const pending = this.client === null ? this.shared.pendingSuccesses : null;
    if (pending !== null) this.shared.pendingSuccesses = null;
    const { statement, values } = claimStatement(
      this.shared.statements,
      request,
      pending,
      this.shared.statsSettled,
    );
    let result: { rows: ClaimRow[] };
    try {
      result = await this.runQuery<ClaimRow>("claim", { ...statement, values, types: CLAIM_TYPES });
    } catch (error) {
      // Nothing was written: the recorder retries the outcomes as after any failed write.
      pending?.reject(error);
      throw error;
    }
    const { jobs, summary, now } = splitClaimRows(result.rows, request.leaseToken);
    if (pending !== null) {
      pending.resolve(
        completeResult(pending.outcomes, new Set((summary.done_ids ?? []).map(toNumber))),
      );
    }
    // No catalog row (a table dropped under us) reads as stale.
    const drift = summary.stats_drift === null ? 2 : toNumber(summary.stats_drift);
    this.shared.statsSettled = drift === 0;
    if (drift === 2 && jobs.length > 0) this.refreshStaleStatistics();
    const exhausted = summary.exhausted_ids.map(toNumber);
    // The statement leased nothing when it met such rows (see `claimJobs`).
    if (exhausted.length > 0) {
      return {
        jobs,
        finished: await this.finishExhausted(exhausted, request),
        now,
      };
    }
    return { jobs, finished: [], now };
  }

  /**
   * Runs ANALYZE on the job table, in the background on the pool, when a claim that found
   * work reports stale planner statistics (`STATS_DRIFT` in postgres-sql.ts): a burst
   * into a new or long-idle queue otherwise gets a sequential-scan claim until autovacuum
   * comes by. At most one at a time per adapter and one per minute; failures (e.g. not
   * the table's owner) are ignored: the claim stays correct, only slower.
   */
  private refreshStaleStatistics(): void {
    const shared = this.shared;
    const now = Date.now();
    if (shared.analyzing || shared.closing !== null || now - shared.analyzedAt < 60_000) return;
    shared.analyzing = true;
    shared.analyzedAt = now;
    shared.pool
      .query(sql.analyzeJobs(shared.names))
      .catch(() => {})
      .finally(() => {
        shared.analyzing = false;
      });
  }

  /**
   * The rare second step of a claim: takes over and finishes the rows whose expired lease
   * held their last attempt, and inserts their cron successors, in one transaction.
   */
  private finishExhausted(ids: number[], request: ClaimRequest): Promise<number[]> {
    const remove = request.deleteOnFinish === true;
    const cronSuccessor = request.cronSuccessor ?? nextCronRow;
    return this.inTransaction("claim", async (client) => {
      const finished = await run<FinishedRow>(client, "claim", {
        text: sql.finishExhaustedJobs(this.shared.names, remove),
        values: remove
          ? [ids, request.maxRetryCount]
          : [ids, request.maxRetryCount, LEASE_EXPIRED_ERROR],
      });
      const successors: CronDefinition[] = [];
      for (const row of finished.rows) {
        if (row.cron_expression === null) continue;
        const successor = cronSuccessor(
          { name: row.name, cronExpression: row.cron_expression, priority: row.priority },
          row.db_now,
        );
        if (successor !== null) successors.push(successor);
      }
      if (successors.length > 0) {
        await run(client, "claim", {
          text: sql.insertMissingCronJobs(this.shared.names),
          values: [
            successors.map((d) => d.name),
            successors.map((d) => d.cronExpression),
            successors.map((d) => d.priority),
            successors.map((d) => d.nextRunAt),
            successors.map((d) => d.dataJson),
          ],
        });
      }
      return finished.rows.map((row) => toNumber(row.id)).sort((a, b) => a - b);
    });
  }

  async heartbeat(leases: readonly JobLease[], leaseMs: number): Promise<number[]> {
    if (leases.length === 0) return [];
    const result = await this.runQuery<{ id: unknown }>("heartbeat", {
      ...this.shared.statements.heartbeat,
      values: [leases.map((lease) => lease.id), leases.map((lease) => lease.leaseToken), leaseMs],
    });
    const extended = new Set(result.rows.map((row) => toNumber(row.id)));
    return leases.filter((lease) => !extended.has(lease.id)).map((lease) => lease.id);
  }

  async complete(outcomes: readonly JobOutcome[]): Promise<CompleteResult> {
    if (outcomes.length === 0) return { recorded: [], lost: [] };
    const finish = pairableFinish(outcomes);
    if (finish !== null && this.client === null && this.shared.pendingSuccesses === null) {
      // Wait one turn of the event loop for a claim to share the round trip and the commit
      // with (a worker claims right after a slot frees); without one, write alone.
      return new Promise<CompleteResult>((resolve, reject) => {
        const pending: PendingSuccesses = { outcomes, finish, resolve, reject };
        this.shared.pendingSuccesses = pending;
        setImmediate(() => {
          if (this.shared.pendingSuccesses !== pending) return; // a claim took it
          this.shared.pendingSuccesses = null;
          this.completeAlone(outcomes, finish).then(resolve, reject);
        });
      });
    }
    return this.completeAlone(outcomes, finish);
  }

  /**
   * Writes outcomes in a statement of their own: plain successes as one guarded UPDATE,
   * anything else (deletes, failures, cron successors) through the general statement.
   */
  private async completeAlone(
    outcomes: readonly JobOutcome[],
    finish: sql.DoneFinish | null,
  ): Promise<CompleteResult> {
    if (finish === "update") return this.completeSuccesses(outcomes);
    const successor = (outcome: JobOutcome) => outcome.cronSuccessor;
    // A kind the statement's IN-lists do not know would only clear the lease: reject it.
    for (const outcome of outcomes) outcomeEffect(outcome.kind);
    const result = await this.runQuery<{ id: unknown }>("complete", {
      ...this.shared.statements.complete,
      values: [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.leaseToken),
        outcomes.map((o) => o.kind),
        outcomes.map((o) => o.error),
        outcomes.map((o) => o.retryDelayMs),
        outcomes.map((o) => o.deleteOnFinish),
        outcomes.map((o) => successor(o)?.name ?? null),
        outcomes.map((o) => successor(o)?.cronExpression ?? null),
        outcomes.map((o) => successor(o)?.priority ?? null),
        outcomes.map((o) => successor(o)?.nextRunAt ?? null),
        outcomes.map((o) => successor(o)?.dataJson ?? null),
      ],
    });
    return completeResult(outcomes, new Set(result.rows.map((row) => toNumber(row.id))));
  }

  /** All outcomes succeeded, no deletes, no cron successors: one plain guarded UPDATE. */
  private async completeSuccesses(outcomes: readonly JobOutcome[]): Promise<CompleteResult> {
    const result = await this.runQuery<{ id: unknown }>("complete", {
      ...this.shared.statements.completeSucceeded,
      values: [outcomes.map((o) => o.id), outcomes.map((o) => o.leaseToken)],
    });
    return completeResult(outcomes, new Set(result.rows.map((row) => toNumber(row.id))));
  }

  async syncCron(definitions: readonly CronDefinition[]): Promise<void> {
    const names = this.shared.names;
    const arrays = [
      definitions.map((d) => d.name),
      definitions.map((d) => d.cronExpression),
      definitions.map((d) => d.priority),
      definitions.map((d) => d.nextRunAt),
      definitions.map((d) => d.dataJson),
    ];
    await this.inTransaction("syncCron", async (client) => {
      // Registrations from many processes at start-up run one after the other.
      await run(client, "syncCron", {
        text: sql.advisoryXactLock(),
        values: [`docket:cron:${this.shared.lockKey}`],
      });
      await run(client, "syncCron", {
        text: sql.deleteUnknownCronJobs(names),
        values: [arrays[0]],
      });
      await run(client, "syncCron", { text: sql.updateChangedCronJobs(names), values: arrays });
      await run(client, "syncCron", { text: sql.insertMissingCronJobs(names), values: arrays });
    });
  }

  async cleanup(request: CleanupRequest): Promise<number> {
    const result = await this.runQuery("cleanup", {
      text: sql.cleanupJobs(this.shared.names),
      values: [request.completedBefore, request.limit],
    });
    return result.rowCount ?? 0;
  }

  async insights(): Promise<QueueCounts> {
    const result = await this.runQuery<PostgresCountsRow>("insights", {
      text: sql.selectInsights(this.shared.names),
    });
    return toQueueCounts(result.rows[0]!);
  }

  async getJob(id: number): Promise<JobRecord | null> {
    const result = await this.runQuery<PostgresJobRow>("getJob", {
      text: sql.selectJob(this.shared.names),
      values: [id],
    });
    const row = result.rows[0];
    return row === undefined ? null : toJobRecord(row);
  }

  async listJobs(query: ListJobsQuery): Promise<JobRecord[]> {
    const byName = query.name !== undefined;
    const values: unknown[] = [query.limit];
    if (byName) values.push(query.name);
    const paged = query.beforeId !== undefined;
    if (paged) values.push(query.beforeId);
    const result = await this.runQuery<PostgresJobRow>("listJobs", {
      text: sql.listJobs(
        this.shared.names,
        byName,
        query.state ?? null,
        paged,
        query.cron === true,
      ),
      values,
    });
    return result.rows.map(toJobRecord);
  }

  async retryJob(id: number): Promise<JobActionResult> {
    const result = await this.runQuery("retryJob", {
      text: actions.retryJob(this.shared.names),
      values: [id],
    });
    if (result.rowCount !== 1) return this.refusal(id);
    await this.notifyWorkers("retryJob");
    return { ok: true };
  }

  async retryFailedJobs(request: RetryFailedRequest): Promise<number> {
    const byName = request.name !== null;
    const result = await this.runQuery("retryFailedJobs", {
      text: actions.retryFailedJobs(this.shared.names, byName),
      values: byName ? [request.name] : [],
    });
    const count = result.rowCount ?? 0;
    if (count > 0) await this.notifyWorkers("retryFailedJobs");
    return count;
  }

  async cancelJob(id: number): Promise<JobActionResult> {
    const result = await this.runQuery("cancelJob", {
      text: actions.cancelJob(this.shared.names),
      values: [id],
    });
    return result.rowCount === 1 ? { ok: true } : this.refusal(id);
  }

  async deleteJob(id: number): Promise<JobActionResult> {
    const result = await this.runQuery("deleteJob", {
      text: actions.deleteJob(this.shared.names),
      values: [id],
    });
    return result.rowCount === 1 ? { ok: true } : this.refusal(id);
  }

  async countJobsByName(request: CountJobsByNameRequest): Promise<JobNameCounts[]> {
    const since = request.finishedSince;
    const result = await this.runQuery<PostgresNameCountsRow>("countJobsByName", {
      text: actions.countJobsByName(this.shared.names, since !== null),
      values: since === null ? [] : [since],
    });
    return result.rows.map(toNameCounts);
  }

  async jobActivity(request: JobActivityRequest): Promise<JobActivityCount[]> {
    const result = await this.runQuery<{ bucket: unknown; completed: unknown; failed: unknown }>(
      "jobActivity",
      { text: actions.jobActivity(this.shared.names), values: [request.since, request.bucketMs] },
    );
    return result.rows.map((row) => ({
      bucket: toNumber(row.bucket),
      completed: toNumber(row.completed),
      failed: toNumber(row.failed),
    }));
  }

  /** Why a guarded action changed nothing: the row (or its absence) as it is now. */
  private async refusal(id: number): Promise<JobActionResult> {
    const job = await this.getJob(id);
    const now = await this.now();
    return refusedAction(job, now);
  }

  /** Retried jobs are due now: wake listening workers (on commit, inside a transaction). */
  private async notifyWorkers(operation: string): Promise<void> {
    if (this.shared.channel === null) return;
    await this.runQuery(operation, { text: actions.notify(), values: [this.shared.channel] });
  }

  withTransaction(nativeTransaction: unknown): StorageAdapter {
    if (!isClient(nativeTransaction)) {
      throw new DocketError(
        "invalid_argument",
        "expected nativeTransaction to be a pg client inside BEGIN, got: " +
          (nativeTransaction === null ? "null" : typeof nativeTransaction),
        { field: "nativeTransaction" },
      );
    }
    return new PostgresAdapter(this.shared, nativeTransaction);
  }

  transaction<T>(fn: (tx: AdapterTransaction) => Promise<T>): Promise<T> {
    return this.inTransaction("transaction", (client) =>
      fn({ db: client, adapter: new PostgresAdapter(this.shared, client) }),
    );
  }

  close(): Promise<void> {
    // A bound adapter owns nothing: the caller's client stays as it is.
    if (this.client !== null) return Promise.resolve();
    const shared = this.shared;
    shared.closing ??= (async () => {
      await shared.listener?.close();
      if (shared.ownsPool) await shared.pool.end();
    })();
    return shared.closing;
  }

  private async runQuery<R extends QueryResultRow>(operation: string, config: QueryConfig) {
    if (this.client === null && this.shared.closing !== null)
      throw closedAdapterError("postgres", operation);
    return run<R>(this.client ?? this.shared.pool, operation, config);
  }

  /**
   * Runs `work` in a transaction: on the root adapter a pool client in BEGIN … COMMIT
   * (ROLLBACK when `work` throws); on a bound adapter a savepoint inside the caller's
   * transaction. Errors of `work` are rethrown as they are.
   */
  private async inTransaction<T>(
    operation: string,
    work: (client: ClientBase) => Promise<T>,
  ): Promise<T> {
    const bound = this.client;
    if (bound !== null) {
      await run(bound, operation, { text: sql.savepoint() });
      try {
        const result = await work(bound);
        await run(bound, operation, { text: sql.releaseSavepoint() });
        return result;
      } catch (error) {
        await run(bound, operation, { text: sql.rollbackToSavepoint() }).catch(() => {});
        throw error;
      }
    }

    if (this.shared.closing !== null) throw closedAdapterError("postgres", operation);
    let client: pg.PoolClient;
    try {
      client = await this.shared.pool.connect();
    } catch (error) {
      throw toDocketError(error, operation);
    }
    // Set when the connection must not go back to the pool (it broke mid-transaction).
    let releaseError: Error | undefined;
    try {
      await run(client, operation, { text: sql.begin() });
      const result = await work(client);
      await run(client, operation, { text: sql.commit() });
      return result;
    } catch (error) {
      try {
        await client.query(sql.rollback());
      } catch (rollbackError) {
        releaseError = asError(rollbackError);
      }
      if (brokeConnection(error)) releaseError ??= asError(error);
      throw error;
    } finally {
      client.release(releaseError);
    }
  }
}

/**
 * A claim's leased jobs, and its summary row: the one row without an id (last under the
 * sorted claim's `ORDER BY`; looked for, as the unsorted claim promises no order). Its
 * clock is every leased row's `updated_at`.
 */
function splitClaimRows(
  rows: readonly ClaimRow[],
  leaseToken: string,
): {
  jobs: JobRecord[];
  summary: ClaimSummaryRow;
  now: Date;
} {
  // The statement always returns it (the second branch of its `UNION ALL`).
  const summary = rows.findLast((row) => row.id === null) as ClaimSummaryRow;
  const now = microsToDate(summary.db_now);
  const nowMillis = now.getTime();
  const jobs: JobRecord[] = [];
  for (const row of rows) {
    if (row.id !== null) jobs.push(claimedJobRecord(row, leaseToken, nowMillis));
  }
  return { jobs, summary, now };
}

/** The claim statement for `request` (completing `pending` first), and its values. */
function claimStatement(
  statements: Statements,
  request: ClaimRequest,
  pending: PendingSuccesses | null,
  statsSettled: boolean,
): { statement: QueryText; values: unknown[] } {
  const sorted = !request.ignoreSorting;
  const lease = [request.leaseToken, request.leaseMs, LEASE_EXPIRED_ERROR];
  const eligible = [[...request.names], request.maxRetryCount];
  if (pending === null) {
    return {
      statement: sorted ? statements.claimSorted : statements.claimUnsorted,
      values: [...eligible, request.limit, ...lease],
    };
  }
  const outcomes = pending.outcomes;
  const paired = statements.paired[pending.finish];
  if (outcomes.length === 1 && request.limit === 1 && statsSettled) {
    // All scalars and a constant limit: a plan Postgres keeps (`completeOneAndClaimOne`).
    const only = outcomes[0]!;
    return {
      statement: sorted
        ? paired.completeOneAndClaimOneSorted
        : paired.completeOneAndClaimOneUnsorted,
      values: [...eligible, ...lease, only.id, only.leaseToken],
    };
  }
  const done = [outcomes.map((o) => o.id), outcomes.map((o) => o.leaseToken)];
  const limit = request.limit;
  if (statsSettled && Number.isInteger(limit) && limit >= 2 && limit <= sql.FIXED_CLAIM_LIMIT_MAX) {
    // A constant limit (spliced into the text, hence the integer check): a plan Postgres
    // keeps (`completeAndClaimFixedLimit`).
    return {
      statement: paired.completeAndClaimFixedLimit(sorted, limit),
      values: [...eligible, ...lease, ...done],
    };
  }
  return {
    statement: sorted ? paired.completeAndClaimSorted : paired.completeAndClaimUnsorted,
    values: [...eligible, request.limit, ...lease, ...done],
  };
}

/**
 * The complete-and-claim statements finishing successes by `finish`; `statementName` gets
 * the rest of the name (`_claim`, `1_claim1_any`, …) after the finish's prefix.
 */
function pairedStatements(
  names: sql.PostgresTableNames,
  finish: sql.DoneFinish,
  statementName: (op: string) => string,
): PairedStatements {
  return {
    completeAndClaimSorted: {
      name: statementName("_claim"),
      text: sql.completeAndClaimJobs(names, true, finish),
    },
    completeAndClaimUnsorted: {
      name: statementName("_claim_any"),
      text: sql.completeAndClaimJobs(names, false, finish),
    },
    completeOneAndClaimOneSorted: {
      name: statementName("1_claim1"),
      text: sql.completeOneAndClaimOne(names, true, finish),
    },
    completeOneAndClaimOneUnsorted: {
      name: statementName("1_claim1_any"),
      text: sql.completeOneAndClaimOne(names, false, finish),
    },
    completeAndClaimFixedLimit: memoizedFixedLimitStatements(statementName, (sorted, limit) =>
      sql.completeAndClaimFixedLimit(names, sorted, limit, finish),
    ),
  };
}

/**
 * How a `complete` could ride on the next claim: successes with no cron successor, all
 * keeping their rows (`update`) or all deleting them (`delete`); null otherwise.
 */
function pairableFinish(outcomes: readonly JobOutcome[]): sql.DoneFinish | null {
  const remove = outcomes[0]!.deleteOnFinish;
  for (const o of outcomes) {
    if (o.kind !== "succeeded" || o.cronSuccessor !== null || o.deleteOnFinish !== remove) {
      return null;
    }
  }
  return remove ? "delete" : "update";
}

/** One named statement per (order, limit), its text built the first time it is asked for. */
function memoizedFixedLimitStatements(
  statementName: (op: string) => string,
  text: (sorted: boolean, limit: number) => string,
): (sorted: boolean, limit: number) => QueryText {
  const built = new Map<string, QueryText>();
  return (sorted, limit) => {
    const op = `_claim${limit}${sorted ? "" : "_any"}`;
    let statement = built.get(op);
    if (statement === undefined) {
      statement = { name: statementName(op), text: text(sorted, limit) };
      built.set(op, statement);
    }
    return statement;
  };
}

async function run<R extends QueryResultRow>(
  target: Queryable,
  operation: string,
  config: QueryConfig,
): Promise<{ rows: R[]; rowCount: number | null }> {
  try {
    return await target.query<R>(config);
  } catch (error) {
    throw toDocketError(error, operation);
  }
}

function isClient(value: unknown): value is ClientBase {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { query?: unknown }).query === "function"
  );
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Prepared statement names and channel names are identifiers, cut by Postgres at 63
 * bytes; a long schema + table would make two names collide, so those are hashed.
 */
function identifierWithin63(name: string): string {
  if (Buffer.byteLength(name) <= 63) return name;
  const digest = createHash("sha256").update(name).digest("hex").slice(0, 32);
  return `${name.slice(0, 30)}_${digest}`;
}

/** `user@host:port/database` (never the password), for the queue key. */
function describeTarget(config: ClientConfig): string {
  if (config.connectionString !== undefined) {
    try {
      const url = new URL(config.connectionString);
      const host = url.hostname || url.searchParams.get("host") || "localhost";
      return `${decodeURIComponent(url.username)}@${host}:${url.port || "5432"}${url.pathname}`;
    } catch {
      return "postgres";
    }
  }
  const env = process.env;
  const user = config.user ?? env.PGUSER ?? "";
  const host = config.host ?? env.PGHOST ?? "localhost";
  const port = config.port ?? env.PGPORT ?? 5432;
  return `${user}@${host}:${port}/${config.database ?? env.PGDATABASE ?? user}`;
}
