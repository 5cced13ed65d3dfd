import { setTimeout as sleep } from "node:timers/promises";
import {
  type AddJobsJobSpec,
  Logger,
  makeWorkerUtils,
  type RunnerOptions,
  run,
  type WorkerUtils,
} from "graphile-worker";
import {
  type BenchEnv,
  type BenchJob,
  REALISTIC_IO_MS,
  type RunningWorker,
  type WorkerOptions,
} from "../system.ts";
import { FUTURE_DELAY_MS, SystemBase } from "./base.ts";

const TASK = "bench";
export const GRAPHILE_SCHEMA = "bench_graphile_worker";

/** How long a stopped runner gets for completion queries still in flight. */
const LATE_COMPLETION_MS = 250;
const DEEP_CHUNK = 10_000;

const silent = new Logger(() => () => {});

/**
 * graphile-worker 0.17.3 with `makeWorkerUtils` (`addJob`, `addJobs`) and `run` with a
 * task list. Drains use the configuration of its performance page (local queue of 500,
 * batched completions); latency runs use its defaults (no local queue).
 */
export class GraphileWorkerSystem extends SystemBase {
  readonly id = "graphile-worker";
  readonly label = "graphile-worker 0.17.3";
  readonly database = "postgres";
  readonly settings = [
    "graphile-worker: own schema `bench_graphile_worker`; drains at its defaults (no local " +
      "queue, unbatched completions) in the defaults run, and with `localQueue: { size: N }`, " +
      "`completeJobBatchDelay: 0`, `failJobBatchDelay: 0` in the `--prefetch N` run (the same " +
      "local queue size as Docket's prefetch); maxPoolSize min(max(10, concurrency+2), 20); latency " +
      "with its defaults (LISTEN/NOTIFY, pollInterval 2000, no local queue); batch enqueue = " +
      "`addJobs`; silent logger",
    "graphile-worker deletes finished jobs, so its deep table holds only the future-scheduled rows",
  ];
  private utils: WorkerUtils | undefined;

  constructor(private readonly env: BenchEnv) {
    super();
  }

  private get open(): WorkerUtils {
    if (this.utils === undefined) throw new Error("graphile-worker system used before setup()");
    return this.utils;
  }

  async setup(_scenario: string): Promise<void> {
    await this.attach(null);
    await this.open.migrate();
  }

  childState(): null {
    return null;
  }

  async attach(_state: unknown): Promise<void> {
    this.utils = await makeWorkerUtils({
      connectionString: this.env.postgresUrl,
      schema: GRAPHILE_SCHEMA,
      logger: silent,
    });
  }

  async teardown(): Promise<void> {
    const utils = this.utils;
    if (utils === undefined) return;
    this.utils = undefined;
    try {
      await utils.withPgClient((client) =>
        client.query(`DROP SCHEMA IF EXISTS "${GRAPHILE_SCHEMA}" CASCADE`),
      );
    } finally {
      await utils.release();
    }
  }

  /** In a child process: close without dropping anything. */
  async detach(): Promise<void> {
    await this.utils?.release();
    this.utils = undefined;
  }

  async enqueueOne(job: BenchJob): Promise<void> {
    await this.open.addJob(TASK, { seq: job.seq });
  }

  async enqueueBatch(jobs: readonly BenchJob[]): Promise<void> {
    await this.open.addJobs(jobs.map((job) => ({ identifier: TASK, payload: { seq: job.seq } })));
  }

  async startWorker(options: WorkerOptions): Promise<RunningWorker> {
    const { onJob } = options;
    const realistic = options.purpose === "realistic";
    const runnerOptions: RunnerOptions = {
      connectionString: this.env.postgresUrl,
      schema: GRAPHILE_SCHEMA,
      concurrency: options.concurrency,
      // Capped at 20: four processes at concurrency 50 would otherwise open 208 connections.
      maxPoolSize: Math.min(Math.max(10, options.concurrency + 2), 20),
      noHandleSignals: true,
      logger: silent,
      crontab: "",
      taskList: {
        [TASK]: async (payload) => {
          const startedAt = process.hrtime.bigint();
          onJob(payload as BenchJob, startedAt);
          if (realistic) await sleep(REALISTIC_IO_MS);
        },
      },
    };
    // Defaults run: graphile-worker's defaults (no local queue, completions not batched).
    // Throughput run (`--prefetch N`): its local queue of the same size as Docket's
    // prefetch buffer, with batched completions (its performance page's settings).
    const localQueueSize = this.env.docketPrefetch;
    if (options.purpose !== "latency" && localQueueSize > 0) {
      runnerOptions.preset = {
        worker: {
          localQueue: { size: localQueueSize },
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
        },
      };
    }
    const runner = await run(runnerOptions);
    return {
      stop: async () => {
        await runner.stop();
        await runner.promise.catch(() => undefined);
        // graphile-worker's stop() can resolve before the last job's completion query has
        // run; the scenario's teardown then drops the schema under it, and that query's
        // rejection (inside graphile-worker, unhandled) kills the bench process. Seen in
        // the deep-table scenario from 2026-12-02 on; the pause is outside every timing.
        await sleep(LATE_COMPLETION_MS);
      },
    };
  }

  async fillDeep(_history: number, future: number): Promise<void> {
    const runAt = new Date(Date.now() + FUTURE_DELAY_MS);
    for (let done = 0; done < future; done += DEEP_CHUNK) {
      const count = Math.min(DEEP_CHUNK, future - done);
      const specs: AddJobsJobSpec[] = Array.from({ length: count }, () => ({
        identifier: TASK,
        payload: { seq: -1 },
        runAt,
      }));
      await this.open.addJobs(specs);
    }
  }

  async analyze(): Promise<void> {
    await this.open.withPgClient((client) =>
      client.query(`VACUUM ANALYZE "${GRAPHILE_SCHEMA}"._private_jobs`),
    );
  }
}
