import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { finishDrain, JobCounter, measureLatency, withTimeout } from "../measure.ts";
import type { BenchEnv, BenchSystem, DrainResult, OnJob, WorkerPurpose } from "../system.ts";
import type { FromChild, ToChild } from "./messages.ts";

const CHILD_ENTRY = fileURLToPath(new URL("./worker-process.ts", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/** One child worker process, spawned with `node --import tsx` and driven over IPC. */
class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly waiters = new Map<FromChild["type"], (message: FromChild) => void>();
  private failure: Error | undefined;
  private exited: Promise<void>;
  loggedErrors: string[] = [];

  constructor(private readonly onMessage: (message: FromChild) => void) {
    this.child = spawn(process.execPath, ["--import", "tsx", CHILD_ENTRY], {
      cwd: PACKAGE_DIR,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
    });
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
    this.child.on("message", (message: FromChild) => {
      if (message.type === "failed")
        this.failure = new Error(`worker process failed: ${message.message}`);
      if (message.type === "stopped") this.loggedErrors = message.loggedErrors;
      this.waiters.get(message.type)?.(message);
      this.onMessage(message);
    });
  }

  send(message: ToChild): void {
    this.child.send(message);
  }

  /** Resolves at the next message of `type`; rejects when the child reports a failure or exits. */
  waitFor(type: FromChild["type"], timeoutMs: number): Promise<void> {
    const arrived = new Promise<void>((resolve, reject) => {
      this.waiters.set(type, () => resolve());
      void this.exited.then(() =>
        reject(this.failure ?? new Error(`worker process exited before "${type}"`)),
      );
    });
    return withTimeout(
      arrived,
      timeoutMs,
      () => `worker process: no "${type}" after ${timeoutMs} ms`,
    );
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const stopped = this.waitFor("stopped", STOP_TIMEOUT_MS);
    this.send({ type: "stop" });
    try {
      await stopped;
    } finally {
      // Give it a moment to exit by itself, then end it (only this child, by its pid).
      await withTimeout(this.exited, 5_000, () => "").catch(() => this.child.kill());
    }
    if (this.failure !== undefined) throw this.failure;
  }
}

async function spawnWorkers(
  system: BenchSystem,
  env: BenchEnv,
  count: number,
  concurrency: number,
  purpose: WorkerPurpose,
  onMessage: (message: FromChild) => void,
): Promise<WorkerProcess[]> {
  if (system.childState === undefined) throw new Error(`${system.label} has no multi-process mode`);
  const state = system.childState();
  const workers = Array.from({ length: count }, () => new WorkerProcess(onMessage));
  await Promise.all(
    workers.map((worker) => {
      const ready = worker.waitFor("ready", READY_TIMEOUT_MS);
      worker.send({
        type: "init",
        system: system.id,
        database: system.database,
        env,
        state,
        concurrency,
        purpose,
      });
      return ready;
    }),
  );
  return workers;
}

async function stopAll(workers: readonly WorkerProcess[]): Promise<string[]> {
  const results = await Promise.allSettled(workers.map((worker) => worker.stop()));
  const failed = results.find((result) => result.status === "rejected");
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  return workers.flatMap((worker) => worker.loggedErrors);
}

/**
 * Drain of `n` enqueued jobs by `processes` child processes, each one worker with
 * `concurrency`. The children connect first; the clock starts when all are ready and
 * told to start, and stops when the last job's handler has reported (20 ms batches) or
 * when `budgetMs` has passed.
 */
export async function drainWithProcesses(
  system: BenchSystem,
  env: BenchEnv,
  n: number,
  processes: number,
  concurrency: number,
  budgetMs: number,
  purpose: WorkerPurpose = "drain",
): Promise<DrainResult & { loggedErrors: string[] }> {
  const counter = new JobCounter(n);
  const workers = await spawnWorkers(system, env, processes, concurrency, purpose, (message) => {
    if (message.type === "jobs") for (const seq of message.seqs) counter.add(seq);
  });
  let result: DrainResult;
  try {
    const startedAt = performance.now();
    for (const worker of workers) worker.send({ type: "start" });
    result = await finishDrain(counter, startedAt, budgetMs);
  } catch (error) {
    await stopAll(workers).catch(() => {});
    throw error;
  }
  const loggedErrors = await stopAll(workers);
  return { ...result, loggedErrors };
}

/**
 * Latency with the worker in another process, so the enqueue cannot wake it in-process:
 * on Postgres the wake-up has to travel through LISTEN/NOTIFY. Both ends read
 * `process.hrtime.bigint()` (CLOCK_MONOTONIC, shared by all processes on Linux).
 */
export function latencyInOtherProcess(
  system: BenchSystem,
  env: BenchEnv,
  count: number,
): Promise<number[]> {
  return measureLatency(
    async (onJob: OnJob) => {
      const [worker] = await spawnWorkers(system, env, 1, 1, "latency", (message) => {
        if (message.type === "job") onJob({ seq: message.seq }, message.startedAt);
      });
      const started = worker!.waitFor("started", READY_TIMEOUT_MS);
      worker!.send({ type: "start" });
      await started;
      return { stop: async () => void (await stopAll([worker!])) };
    },
    (job) => system.enqueueOne(job),
    count,
  );
}
