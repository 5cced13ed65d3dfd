import { rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createMysqlAdapter } from "@docket/adapter-mysql";
import { createPostgresAdapter } from "@docket/adapter-postgres";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import {
  type Logger,
  MAX_BATCH_SIZE,
  queueWorkerAddJob,
  queueWorkerAddJobs,
  queueWorkerCreate,
  type StorageAdapter,
} from "@docket/core";
import type { ClaimRequest, CompleteResult, JobOutcome } from "@docket/core/adapter";
import { type PgQueryable, withPg } from "../drivers.ts";
import { benchJobs } from "../measure.ts";
import { jobsPerSecond } from "../stats.ts";
import {
  type BenchEnv,
  type BenchJob,
  type DatabaseId,
  type DrainResult,
  REALISTIC_IO_MS,
  type RunningWorker,
  type WorkerOptions,
} from "../system.ts";
import { FUTURE_DELAY_MS, SystemBase, storageName } from "./base.ts";

const JOB_NAME = "bench";
/** Docket's tables on Postgres live in their own schema, dropped at the end of the run. */
export const DOCKET_PG_SCHEMA = "docket_bench";

/** The claim a bare claim/complete loop sends: worker defaults, strict order. */
export function bareClaimRequest(name: string, leaseToken: string, limit: number): ClaimRequest {
  return {
    leaseToken,
    limit,
    names: [name],
    maxRetryCount: 2,
    ignoreSorting: false,
    leaseMs: 30_000,
  };
}

/** The outcomes a bare claim/complete loop records: every claimed job succeeded. */
export function successOutcomes(jobs: readonly { id: number }[], leaseToken: string): JobOutcome[] {
  return jobs.map((job) => ({
    id: job.id,
    leaseToken,
    kind: "succeeded",
    error: null,
    retryDelayMs: null,
    deleteOnFinish: false,
    cronSuccessor: null,
  }));
}

interface DocketState {
  tableName: string;
}

interface MysqlPool {
  query(sql: string, values?: unknown[]): Promise<unknown>;
}

interface SqliteHandle {
  prepare(sql: string): { run(...values: unknown[]): unknown };
}

/** Docket through its public API (`queueWorkerAddJob(s)`, `queueWorkerCreate`) on one adapter. */
export class DocketSystem extends SystemBase {
  readonly id = "docket";
  readonly label = "Docket";
  readonly settings: readonly string[];
  /** `type` of every entry the worker logged through `logger.error` (should stay empty). */
  readonly loggedErrors: string[] = [];
  private adapter: StorageAdapter | undefined;
  private tableName = "";
  private owned = false;
  private readonly logger: Logger = {
    info() {},
    error: (entry) => {
      this.loggedErrors.push(String(entry.type));
    },
  };

  constructor(
    readonly database: DatabaseId,
    private readonly env: BenchEnv,
  ) {
    super();
    this.settings = [
      "Docket: worker defaults (pollInterval 1500, leaseMs 30000, handlerTimeout 30000) except " +
        `parallelCount${env.docketPrefetch > 0 ? ` and prefetchCount ${env.docketPrefetch}` : " (prefetchCount 0, the default)"}; ` +
        "logger `{ info() {}, error() {} }` so logging is not measured",
      database === "postgres"
        ? "Docket: adapter defaults (pool 10, LISTEN/NOTIFY on), own schema `docket_bench`"
        : database === "mysql"
          ? "Docket: adapter defaults (pool 10); MySQL has no push wake-up, only the in-process one"
          : "Docket: adapter defaults (WAL, synchronous NORMAL), one file per scenario",
    ];
  }

  private get open(): StorageAdapter {
    if (this.adapter === undefined) throw new Error("Docket system used before setup()");
    return this.adapter;
  }

  private createAdapter(tableName: string): StorageAdapter {
    switch (this.database) {
      case "sqlite":
        return createSqliteAdapter({ filename: this.sqliteFile(tableName), tableName });
      case "postgres":
        return createPostgresAdapter({
          connectionString: this.env.postgresUrl,
          tableName,
          schema: DOCKET_PG_SCHEMA,
        });
      case "mysql":
        return createMysqlAdapter({ uri: this.env.mysqlUrl, tableName });
    }
  }

  private sqliteFile(tableName: string): string {
    return join(this.env.sqliteDir, `${tableName}.db`);
  }

  /** The job table as written in SQL. */
  private get qualifiedTable(): string {
    return this.database === "postgres"
      ? `"${DOCKET_PG_SCHEMA}"."${this.tableName}"`
      : this.tableName;
  }

  /** Runs one statement through the adapter's own driver handle. */
  private async sql(text: string, values: unknown[] = []): Promise<void> {
    const db = this.open.db;
    switch (this.database) {
      case "postgres":
        await (db as PgQueryable).query(text, values);
        return;
      case "mysql":
        await (db as MysqlPool).query(text, values);
        return;
      case "sqlite":
        (db as SqliteHandle).prepare(text).run(...values);
        return;
    }
  }

  async setup(scenario: string): Promise<void> {
    this.tableName = storageName("docket", scenario);
    if (this.database === "postgres") {
      await withPg(this.env.postgresUrl, (db) =>
        db.query(`CREATE SCHEMA IF NOT EXISTS "${DOCKET_PG_SCHEMA}"`),
      );
    }
    this.adapter = this.createAdapter(this.tableName);
    this.owned = true;
    await this.adapter.migrate();
  }

  childState(): DocketState {
    return { tableName: this.tableName };
  }

  async attach(state: unknown): Promise<void> {
    this.tableName = (state as DocketState).tableName;
    this.adapter = this.createAdapter(this.tableName);
    this.owned = false;
  }

  async detach(): Promise<void> {
    this.owned = false;
    await this.teardown();
  }

  async teardown(): Promise<void> {
    const adapter = this.adapter;
    if (adapter === undefined) return;
    if (this.owned && this.database !== "sqlite") {
      const migrations =
        this.database === "postgres"
          ? `"${DOCKET_PG_SCHEMA}"."${this.tableName}_migrations"`
          : `${this.tableName}_migrations`;
      await this.sql(`DROP TABLE IF EXISTS ${this.qualifiedTable}, ${migrations}`);
    }
    this.adapter = undefined;
    await adapter.close();
    if (this.owned && this.database === "sqlite") {
      const file = this.sqliteFile(this.tableName);
      await Promise.all(
        [file, `${file}-wal`, `${file}-shm`].map((path) => rm(path, { force: true })),
      );
    }
  }

  async enqueueOne(job: BenchJob): Promise<void> {
    await queueWorkerAddJob(this.open, { name: JOB_NAME, data: { seq: job.seq } });
  }

  async enqueueBatch(jobs: readonly BenchJob[]): Promise<void> {
    await queueWorkerAddJobs(
      this.open,
      jobs.map((job) => ({ name: JOB_NAME, data: { seq: job.seq } })),
    );
  }

  async startWorker(options: WorkerOptions): Promise<RunningWorker> {
    const { onJob } = options;
    const realistic = options.purpose === "realistic";
    const worker = queueWorkerCreate(this.open, {
      handler: {
        [JOB_NAME]: async (_event, _db, job) => {
          const startedAt = process.hrtime.bigint();
          onJob(job.data as unknown as BenchJob, startedAt);
          if (realistic) await sleep(REALISTIC_IO_MS);
        },
      },
      parallelCount: options.concurrency,
      prefetchCount: this.env.docketPrefetch,
      deleteJobOnCompletion: options.purpose === "drain-delete",
      logger: this.logger,
    });
    worker.start();
    return { stop: () => worker.stop() };
  }

  /**
   * `history` jobs enqueued in batches of 10,000 and then marked complete by one UPDATE
   * on the table; `future` jobs scheduled a day ahead. Same name as the drained jobs, so
   * the claim has to pass them by.
   */
  async fillDeep(history: number, future: number): Promise<void> {
    let lastHistoryId = 0;
    for (let done = 0; done < history; done += MAX_BATCH_SIZE) {
      const count = Math.min(MAX_BATCH_SIZE, history - done);
      const ids = await queueWorkerAddJobs(
        this.open,
        benchJobs(count).map(() => ({ name: JOB_NAME, data: { seq: -1 } })),
      );
      lastHistoryId = Math.max(lastHistoryId, ...ids);
    }
    if (history > 0) {
      const table = this.qualifiedTable;
      switch (this.database) {
        case "postgres":
          await this.sql(
            `UPDATE ${table} SET is_complete = true, completed_at = statement_timestamp(), ` +
              "updated_at = statement_timestamp() WHERE id <= $1",
            [lastHistoryId],
          );
          break;
        case "mysql":
          await this.sql(
            `UPDATE ${table} SET is_complete = 1, completed_at = UTC_TIMESTAMP(3), ` +
              "updated_at = UTC_TIMESTAMP(3) WHERE id <= ?",
            [lastHistoryId],
          );
          break;
        case "sqlite": {
          const now = Date.now();
          await this.sql(
            `UPDATE ${table} SET is_complete = 1, completed_at = ?, updated_at = ? WHERE id <= ?`,
            [now, now, lastHistoryId],
          );
          break;
        }
      }
    }
    const scheduledAt = new Date(Date.now() + FUTURE_DELAY_MS);
    for (let done = 0; done < future; done += MAX_BATCH_SIZE) {
      const count = Math.min(MAX_BATCH_SIZE, future - done);
      await queueWorkerAddJobs(
        this.open,
        benchJobs(count).map(() => ({ name: JOB_NAME, data: { seq: -1 }, scheduledAt })),
      );
    }
  }

  /** Postgres: VACUUM ANALYZE (what autovacuum does to a table in steady state); MySQL: ANALYZE TABLE; SQLite: nothing. */
  async analyze(): Promise<void> {
    if (this.database === "postgres") await this.sql(`VACUUM ANALYZE ${this.qualifiedTable}`);
    if (this.database === "mysql") await this.sql(`ANALYZE TABLE ${this.qualifiedTable}`);
  }

  /**
   * The floor: the adapter's own `claim` (limit `limit`) and `complete` in a bare loop, no
   * worker, no timeouts, no heartbeat, until `n` enqueued jobs are complete or `budgetMs`
   * has passed. Each `complete` is left pending while the next `claim` is sent in the same
   * turn, as the worker does, so an adapter that writes a success together with the next
   * claim (Postgres, SQLite) is measured at that floor, not at two writes per job.
   */
  async bareDrain(n: number, limit: number, budgetMs: number): Promise<DrainResult> {
    const adapter = this.open;
    let done = 0;
    let sequence = 0;
    let completing: Promise<CompleteResult> | null = null;
    const checkCompleted = async () => {
      const result = await completing;
      completing = null;
      const lost = result?.lost.length ?? 0;
      if (lost > 0) throw new Error(`bare loop: ${lost} outcomes lost their lease`);
    };
    const startedAt = performance.now();
    while (done < n && performance.now() - startedAt < budgetMs) {
      sequence += 1;
      const leaseToken = `bench-bare:${sequence}`;
      const claiming = adapter.claim(bareClaimRequest(JOB_NAME, leaseToken, limit));
      await checkCompleted();
      const { jobs } = await claiming;
      if (jobs.length === 0) {
        throw new Error(`bare loop: claim found nothing after ${done} of ${n} jobs`);
      }
      completing = adapter.complete(successOutcomes(jobs, leaseToken));
      done += jobs.length;
    }
    await checkCompleted();
    const elapsedMs = performance.now() - startedAt;
    return {
      jobs: done,
      of: n,
      elapsedMs,
      jobsPerSecond: jobsPerSecond(done, elapsedMs),
      duplicates: 0,
    };
  }
}
