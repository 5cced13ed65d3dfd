import PgBoss from "pg-boss";
import { withPg } from "../drivers.ts";
import type { BenchEnv, BenchJob, RunningWorker, WorkerOptions } from "../system.ts";
import { FUTURE_DELAY_MS, SystemBase } from "./base.ts";

const QUEUE = "bench";
export const PGBOSS_SCHEMA = "bench_pgboss";
const DEEP_CHUNK = 10_000;
/** Jobs one `work()` worker fetches per poll in drains. */
const DRAIN_BATCH_SIZE = 100;
/** pg-boss refuses anything below 0.5 s. */
const MIN_POLLING_INTERVAL_SECONDS = 0.5;

/**
 * pg-boss 10.4.2: `send` / `insert`, and `work()` polling at its minimum interval. It has
 * no push wake-up and each `work()` worker waits out the polling interval after every
 * fetch, so its throughput is workers × batchSize per 0.5 s.
 */
export class PgBossSystem extends SystemBase {
  readonly id = "pg-boss";
  readonly label = "pg-boss 10.4.2";
  readonly database = "postgres";
  readonly settings = [
    `pg-boss: own schema \`${PGBOSS_SCHEMA}\`, \`supervise: false\`, \`schedule: false\` (no ` +
      "maintenance or cron timers); drain at concurrency c = c `work()` workers, each " +
      `\`batchSize: ${DRAIN_BATCH_SIZE}\`, \`pollingIntervalSeconds: ${MIN_POLLING_INTERVAL_SECONDS}\` (its minimum); ` +
      "latency = one worker, batchSize 1, same interval; batch enqueue = `insert`",
    "pg-boss latency: each job arrives just after the fetch that found the previous one, so " +
      "the figure sits near the full polling interval (random arrivals would average about half)",
  ];
  /** Polling-bound: ~200 jobs/s with one worker, ~0.25 s per latency sample. */
  override readonly caps = { drainConcurrency1: 2_000, latency: 60 };
  private boss: PgBoss | undefined;

  constructor(private readonly env: BenchEnv) {
    super();
  }

  private get open(): PgBoss {
    if (this.boss === undefined) throw new Error("pg-boss system used before setup()");
    return this.boss;
  }

  async setup(_scenario: string): Promise<void> {
    const boss = new PgBoss({
      connectionString: this.env.postgresUrl,
      schema: PGBOSS_SCHEMA,
      supervise: false,
      schedule: false,
    });
    boss.on("error", (error: unknown) => console.error("pg-boss error:", error));
    await boss.start();
    await boss.createQueue(QUEUE);
    this.boss = boss;
  }

  async teardown(): Promise<void> {
    const boss = this.boss;
    this.boss = undefined;
    if (boss !== undefined) await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    await withPg(this.env.postgresUrl, (db) =>
      db.query(`DROP SCHEMA IF EXISTS "${PGBOSS_SCHEMA}" CASCADE`),
    );
  }

  async enqueueOne(job: BenchJob): Promise<void> {
    await this.open.send(QUEUE, { seq: job.seq });
  }

  async enqueueBatch(jobs: readonly BenchJob[]): Promise<void> {
    await this.open.insert(jobs.map((job) => ({ name: QUEUE, data: { seq: job.seq } })));
  }

  async startWorker(options: WorkerOptions): Promise<RunningWorker> {
    const { onJob } = options;
    const boss = this.open;
    const drain = options.purpose === "drain";
    const workers = drain ? options.concurrency : 1;
    const ids: string[] = [];
    for (let i = 0; i < workers; i += 1) {
      ids.push(
        await boss.work<BenchJob>(
          QUEUE,
          {
            batchSize: drain ? DRAIN_BATCH_SIZE : 1,
            pollingIntervalSeconds: MIN_POLLING_INTERVAL_SECONDS,
          },
          async (jobs) => {
            const startedAt = process.hrtime.bigint();
            for (const job of jobs) onJob(job.data, startedAt);
          },
        ),
      );
    }
    return {
      stop: async () => {
        await Promise.all(ids.map((id) => boss.offWork({ id })));
      },
    };
  }

  /** `history` rows inserted then marked completed by one UPDATE; `future` rows start a day ahead. */
  async fillDeep(history: number, future: number): Promise<void> {
    const boss = this.open;
    for (let done = 0; done < history; done += DEEP_CHUNK) {
      const count = Math.min(DEEP_CHUNK, history - done);
      await boss.insert(Array.from({ length: count }, () => ({ name: QUEUE, data: { seq: -1 } })));
    }
    if (history > 0) {
      await boss
        .getDb()
        .executeSql(
          `UPDATE "${PGBOSS_SCHEMA}".job SET state = 'completed', completed_on = now() ` +
            "WHERE name = $1 AND state = 'created'",
          [QUEUE],
        );
    }
    const startAfter = new Date(Date.now() + FUTURE_DELAY_MS);
    for (let done = 0; done < future; done += DEEP_CHUNK) {
      const count = Math.min(DEEP_CHUNK, future - done);
      await boss.insert(
        Array.from({ length: count }, () => ({ name: QUEUE, data: { seq: -1 }, startAfter })),
      );
    }
  }

  async analyze(): Promise<void> {
    await this.open.getDb().executeSql(`VACUUM ANALYZE "${PGBOSS_SCHEMA}".job`, []);
  }
}
