import { queueWorkerAddJobs, queueWorkerCreate, type StorageAdapter } from "@docket/core";

/** The drain's jobs, `{ seq }` numbered, enqueued 1,000 per call. */
export async function enqueueNumberedJobs(
  adapter: StorageAdapter,
  name: string,
  jobs: number,
): Promise<void> {
  for (let i = 0; i < jobs; i += 1000) {
    await queueWorkerAddJobs(
      adapter,
      Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ name, data: { seq: i + k } })),
    );
  }
}

export interface CountingWorkerOptions {
  /** The one job name the worker handles. */
  name: string;
  /** The drain ends when this many jobs have run. */
  jobs: number;
  parallelCount: number;
  prefetchCount: number;
  deleteJobOnCompletion?: boolean;
  /** Called as each job starts (e.g. to record its start time). */
  onJob?: () => void;
  /** Another copy of `queueWorkerCreate` (an A/B baseline); this checkout's by default. */
  create?: typeof queueWorkerCreate;
}

/**
 * The worker every cost tool drains with: no-op handlers, logging off, and `allRan`
 * resolving when the `jobs`-th job has run. Not started: the caller starts its clocks first.
 */
export function countingWorker(adapter: StorageAdapter, options: CountingWorkerOptions) {
  let ran = 0;
  let resolveAllRan = () => {};
  const allRan = new Promise<void>((resolve) => {
    resolveAllRan = resolve;
  });
  const create = options.create ?? queueWorkerCreate;
  const worker = create(adapter, {
    handler: {
      [options.name]: async () => {
        options.onJob?.();
        ran += 1;
        if (ran === options.jobs) resolveAllRan();
      },
    },
    parallelCount: options.parallelCount,
    prefetchCount: options.prefetchCount,
    deleteJobOnCompletion: options.deleteJobOnCompletion ?? false,
    logger: { info() {}, error() {} },
  });
  return { worker, allRan };
}

/** Starts `worker` and times it until `allRan`: process CPU (user + system, µs) and wall ms. */
export async function timeDrain(
  worker: { start(): void },
  allRan: Promise<void>,
): Promise<{ cpuUs: number; wallMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  worker.start();
  await allRan;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: cpu.user + cpu.system, wallMs };
}
