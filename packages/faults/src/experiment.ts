/**
 * What every experiment does around its faults: a fresh queue, worker processes, bounded
 * waits, and cleanup that runs whether the experiment passed or not.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { queueWorkerAddJobs } from "@docket/core";
import { type ChildConfig, WORK_JOB, type WorkData, type WorkerRole } from "./child-protocol.ts";
import { killAllChildren, WorkerProcess } from "./children.ts";
import type { Backend, FaultQueue } from "./fault-queue.ts";
import { type LedgerRun, ledgerRuns, readLedger } from "./ledger.ts";
import type { Scale } from "./scale.ts";

/** Runs `body` on a fresh queue; afterwards kills every process left and drops the queue. */
export async function withQueue<T>(
  backend: Backend,
  body: (queue: FaultQueue) => Promise<T>,
): Promise<T> {
  const queue = await backend.createQueue();
  try {
    return await body(queue);
  } finally {
    await killAllChildren();
    await queue.dispose();
  }
}

export function workerRole(scale: Scale, overrides: Partial<WorkerRole> = {}): WorkerRole {
  return {
    role: "worker",
    parallelCount: scale.parallelCount,
    leaseMs: 30_000,
    maxRetryCount: 2,
    pollInterval: 100,
    ...overrides,
  };
}

/** Spawns `count` worker processes and waits until each has started its worker. */
export async function startWorkers(
  queue: FaultQueue,
  scale: Scale,
  count: number,
  work: ChildConfig["work"],
): Promise<WorkerProcess[]> {
  const workers = Array.from({ length: count }, () => spawnWorker(queue, scale, work));
  await Promise.all(workers.map((worker) => worker.ready()));
  return workers;
}

export function spawnWorker(
  queue: FaultQueue,
  scale: Scale,
  work: ChildConfig["work"],
): WorkerProcess {
  return new WorkerProcess({
    target: queue.target,
    directory: queue.directory,
    timeLimitMs: scale.experimentBudgetMs + 60_000,
    work,
  });
}

/** Enqueues `fault.work` jobs in batches; returns their ids. */
export async function enqueueWork(queue: FaultQueue, data: readonly WorkData[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < data.length; i += 1_000) {
    const batch = data.slice(i, i + 1_000).map((item) => ({ name: WORK_JOB, data: { ...item } }));
    ids.push(...(await queueWorkerAddJobs(queue.adapter, batch)));
  }
  return ids;
}

/** Polls `check` every `intervalMs` until it is true; throws once `deadline` (epoch ms) passes. */
export async function waitUntil(
  what: string,
  deadline: number,
  check: () => Promise<boolean> | boolean,
  intervalMs = 100,
): Promise<void> {
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The ledger's runs, grouped by job. */
export function runsOf(queue: FaultQueue): Map<number, LedgerRun[]> {
  return ledgerRuns(readLedger(queue.directory));
}

/** How many distinct jobs the ledger shows ended. */
export function endedJobs(queue: FaultQueue): number {
  const ended = new Set<number>();
  for (const record of readLedger(queue.directory)) {
    if (record.kind === "end") ended.add(record.jobId);
  }
  return ended.size;
}

/** pid → time of death, for every process that died rather than being stopped. */
export function deathsOf(workers: readonly WorkerProcess[]): Map<number, number> {
  const deaths = new Map<number, number>();
  for (const worker of workers) {
    if (worker.killedAt !== null) deaths.set(worker.pid, worker.killedAt);
    else if (worker.exit !== null && worker.exit.code !== 0) deaths.set(worker.pid, worker.exit.at);
  }
  return deaths;
}

/** Random job durations in [min, max] ms. */
export function durations(count: number, min: number, max: number): WorkData[] {
  return Array.from({ length: count }, () => ({
    ms: min + Math.floor(Math.random() * (max - min + 1)),
  }));
}

/** Errors the worker processes logged (each `errors-<pid>.log` line is one). */
export function loggedErrors(queue: FaultQueue): string[] {
  return readdirSync(queue.directory)
    .filter((file) => file.startsWith("errors-"))
    .flatMap((file) => readFileSync(join(queue.directory, file), "utf8").split("\n"))
    .filter((line) => line.length > 0);
}

/**
 * Keeps the queue loaded while `active()` holds: whenever fewer than `low` jobs are
 * incomplete, enqueues `batch` more, up to `max` in all. Returns a stop function that
 * resolves once the feeder has ended. Enqueued ids are pushed onto `ids`.
 */
export function feedQueue(
  queue: FaultQueue,
  ids: number[],
  options: { low: number; batch: () => WorkData[]; max: number; deadline: number },
): () => Promise<void> {
  let feeding = true;
  const done = (async () => {
    while (feeding && ids.length < options.max && Date.now() < options.deadline) {
      const counts = await queue.adapter.insights();
      if (counts.pendingCount < options.low)
        ids.push(...(await enqueueWork(queue, options.batch())));
      await sleep(100);
    }
  })();
  return async () => {
    feeding = false;
    await done;
  };
}
