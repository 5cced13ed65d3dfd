import { rm } from "node:fs/promises";
import { join } from "node:path";
import { better, defineQueue, defineWorker, type Logger, type Queue } from "plainjob";
import { BetterSqlite3 } from "../drivers.ts";
import type { BenchEnv, BenchJob, RunningWorker, WorkerOptions } from "../system.ts";
import { FUTURE_DELAY_MS, SystemBase, storageName } from "./base.ts";

const JOB_TYPE = "bench";
const DEEP_CHUNK = 10_000;

const silent: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/**
 * plainjob 0.0.14 as its README shows it: `defineQueue({ connection: better(db) })`,
 * `queue.add` / `queue.addMany`, `defineWorker(type, processor, { queue })`. A plainjob
 * worker runs one job at a time, so concurrency c is c workers on the one queue.
 */
export class PlainjobSystem extends SystemBase {
  readonly id = "plainjob";
  readonly label = "plainjob 0.0.14";
  readonly database = "sqlite";
  readonly settings = [
    "plainjob: README setup on better-sqlite3 (it sets WAL, synchronous=1); silent logger " +
      "(its default logs every job at debug level to the console); concurrency c = c `defineWorker` " +
      "workers on one queue (a worker runs one job at a time); batch enqueue = `queue.addMany` " +
      "(one transaction); default pollIntervall 1000 ms (no wake-up on enqueue)",
    "plainjob latency: each job arrives just after the poll that found the previous one, so " +
      "the figure sits near the full poll interval (random arrivals would average about half)",
  ];
  /** Polling (1 s) makes each latency sample ~0.5 s on average. */
  override readonly caps = { latency: 40 };
  private queue: Queue | undefined;
  private file = "";

  constructor(private readonly env: BenchEnv) {
    super();
  }

  private get open(): Queue {
    if (this.queue === undefined) throw new Error("plainjob system used before setup()");
    return this.queue;
  }

  async setup(scenario: string): Promise<void> {
    this.file = join(this.env.sqliteDir, `${storageName("plainjob", scenario)}.db`);
    // The driver is typed locally (see drivers.ts); plainjob's `better` wants its own type.
    const database = new BetterSqlite3(this.file) as unknown as Parameters<typeof better>[0];
    this.queue = defineQueue({ connection: better(database), logger: silent });
  }

  async teardown(): Promise<void> {
    this.queue?.close();
    this.queue = undefined;
    const file = this.file;
    await Promise.all(
      [file, `${file}-wal`, `${file}-shm`].map((path) => rm(path, { force: true })),
    );
  }

  async enqueueOne(job: BenchJob): Promise<void> {
    this.open.add(JOB_TYPE, { seq: job.seq });
  }

  async enqueueBatch(jobs: readonly BenchJob[]): Promise<void> {
    this.open.addMany(
      JOB_TYPE,
      jobs.map((job) => ({ seq: job.seq })),
    );
  }

  async startWorker(options: WorkerOptions): Promise<RunningWorker> {
    const { onJob } = options;
    const queue = this.open;
    const workers = Array.from({ length: options.concurrency }, () =>
      defineWorker(
        JOB_TYPE,
        async (job) => {
          const startedAt = process.hrtime.bigint();
          onJob(JSON.parse(job.data) as BenchJob, startedAt);
        },
        { queue, logger: silent },
      ),
    );
    const running = workers.map((worker) =>
      worker.start().catch((error: unknown) => {
        console.error("plainjob worker failed:", error);
      }),
    );
    return {
      stop: async () => {
        await Promise.all(workers.map((worker) => worker.stop()));
        await Promise.all(running);
      },
    };
  }

  /** plainjob keeps done jobs, but the SQLite scenario only asks for future jobs. */
  async fillDeep(_history: number, future: number): Promise<void> {
    for (let done = 0; done < future; done += DEEP_CHUNK) {
      const count = Math.min(DEEP_CHUNK, future - done);
      this.open.addMany(
        JOB_TYPE,
        Array.from({ length: count }, () => ({ seq: -1 })),
        { delay: FUTURE_DELAY_MS },
      );
    }
  }
}
