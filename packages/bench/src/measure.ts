import { jobsPerSecond } from "./stats.ts";
import type { BenchJob, DrainResult, OnJob, RunningWorker } from "./system.ts";

/** Starts a worker whose handler calls `onJob` first thing. */
export type StartWorker = (onJob: OnJob) => Promise<RunningWorker>;

/** One latency job that has not started after this long aborts the latency run. */
const LATENCY_JOB_TIMEOUT_MS = 15_000;
/** An idle worker gets this long to connect and settle before the first latency job. */
const IDLE_SETTLE_MS = 500;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The random pause between latency jobs: 5–15 ms. */
export function latencyGapMs(): number {
  return 5 + Math.random() * 10;
}

export function benchJobs(count: number, first = 0): BenchJob[] {
  return Array.from({ length: count }, (_, index) => ({ seq: first + index }));
}

export function toBenchJob(value: unknown): BenchJob {
  const seq = (value as { seq?: unknown } | null)?.seq;
  if (typeof seq !== "number")
    throw new Error(`not a benchmark job payload: ${JSON.stringify(value)}`);
  return { seq };
}

/** Resolves with `promise`, or rejects with `message()` after `ms`. */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  message: () => string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Counts distinct jobs `0..n-1` as handlers report them; `done` resolves at the `n`-th
 * distinct one with the `performance.now()` of that moment.
 */
export class JobCounter {
  private readonly seen: Uint8Array;
  private distinct = 0;
  duplicates = 0;
  private finish: ((at: number) => void) | undefined;
  readonly done: Promise<number>;

  constructor(readonly n: number) {
    this.seen = new Uint8Array(n);
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  get count(): number {
    return this.distinct;
  }

  add(seq: number): void {
    if (seq < 0 || seq >= this.n) return; // not a job of this drain (deep-table filler)
    if (this.seen[seq] === 1) {
      this.duplicates += 1;
      return;
    }
    this.seen[seq] = 1;
    this.distinct += 1;
    if (this.distinct === this.n) this.finish?.(performance.now());
  }
}

/**
 * Waits until the counter is done or `budgetMs` after `startedAt` has passed, whichever
 * comes first, and returns the drain's figures (over the jobs handled by then).
 */
export async function finishDrain(
  counter: JobCounter,
  startedAt: number,
  budgetMs: number,
): Promise<DrainResult> {
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<number>((resolve) => {
    const left = Math.max(0, startedAt + budgetMs - performance.now());
    timer = setTimeout(() => resolve(performance.now()), left);
  });
  const endedAt = await Promise.race([counter.done, outOfTime]);
  clearTimeout(timer);
  const jobs = counter.count;
  const elapsedMs = endedAt - startedAt;
  return {
    jobs,
    of: counter.n,
    elapsedMs,
    jobsPerSecond: jobsPerSecond(jobs, elapsedMs),
    duplicates: counter.duplicates,
  };
}

/**
 * Drain: the clock starts just before the worker is started and stops when the handler of
 * the last of the `n` jobs has started, or when `budgetMs` has passed (the worker is
 * stopped afterwards, untimed).
 */
export async function measureDrain(
  start: StartWorker,
  n: number,
  budgetMs: number,
): Promise<DrainResult> {
  const counter = new JobCounter(n);
  const startedAt = performance.now();
  const worker = await start((job) => counter.add(job.seq));
  try {
    return await finishDrain(counter, startedAt, budgetMs);
  } finally {
    await worker.stop();
  }
}

/**
 * Latency: the worker is started and left idle; then each job is enqueued (clock read just
 * before the enqueue call) and the next one waits until its handler has started, plus a
 * random 5–15 ms gap, so every job finds the worker idle.
 */
export async function measureLatency(
  start: StartWorker,
  enqueue: (job: BenchJob) => Promise<void>,
  count: number,
): Promise<number[]> {
  const waiting = new Map<number, (startedAt: bigint) => void>();
  const worker = await start((job, startedAt) => {
    const resolve = waiting.get(job.seq);
    waiting.delete(job.seq);
    resolve?.(startedAt);
  });
  const samples: number[] = [];
  try {
    await sleep(IDLE_SETTLE_MS);
    for (let seq = 0; seq < count; seq += 1) {
      const started = new Promise<bigint>((resolve) => waiting.set(seq, resolve));
      const enqueuedAt = process.hrtime.bigint();
      await enqueue({ seq });
      const startedAt = await withTimeout(
        started,
        LATENCY_JOB_TIMEOUT_MS,
        () => `latency job ${seq} did not start within ${LATENCY_JOB_TIMEOUT_MS} ms`,
      );
      samples.push(Number(startedAt - enqueuedAt) / 1e6);
      await sleep(latencyGapMs());
    }
  } finally {
    await worker.stop();
  }
  return samples;
}
