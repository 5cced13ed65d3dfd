import { expect } from "vitest";
import { DocketError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { StorageAdapter } from "../storage-adapter.ts";
import { type QueueWorker, queueWorkerCreate } from "../worker.ts";
import type { QueueWorkerOptions } from "../worker-options.ts";

/** A logger that keeps entries for assertions instead of printing them. */
export function memoryLogger(): Logger & { entries: Record<string, unknown>[] } {
  const entries: Record<string, unknown>[] = [];
  return {
    entries,
    info: (entry) => entries.push({ level: "info", ...entry }),
    error: (entry) => entries.push({ level: "error", ...entry }),
  };
}

/** Polls `check` until it returns a truthy value; fails after `timeoutMs` (generous). */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  { timeoutMs = 15_000, intervalMs = 25, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts a worker with test-friendly defaults (fast polling, silent logs) and stops it after `body`. */
export async function withWorker(
  adapter: StorageAdapter,
  options: QueueWorkerOptions,
  body: (worker: QueueWorker) => Promise<void>,
): Promise<void> {
  const worker = queueWorkerCreate(adapter, {
    pollInterval: 50,
    logger: memoryLogger(),
    ...options,
  });
  worker.start();
  try {
    await body(worker);
  } finally {
    await worker.stop();
  }
}

/** Asserts that `promise` rejects with a `DocketError` of `code` naming `field`. */
export async function expectDocketError(
  promise: Promise<unknown> | (() => unknown),
  code: string,
  field?: string,
): Promise<DocketError> {
  let caught: unknown;
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected a DocketError").toBeInstanceOf(DocketError);
  const error = caught as DocketError;
  expect(error.code).toBe(code);
  if (field !== undefined) expect(error.field).toBe(field);
  return error;
}

export const SECOND = 1000;
export const HOUR = 3_600_000;

/** Waits until job `id` is complete (succeeded or gave up). */
export async function waitUntilComplete(
  adapter: StorageAdapter,
  id: number,
  what = "completion",
): Promise<void> {
  await waitFor(async () => (await adapter.getJob(id))?.isComplete === true, { what });
}
