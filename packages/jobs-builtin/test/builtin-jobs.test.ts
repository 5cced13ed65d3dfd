import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import {
  newEvent,
  queueWorkerAddJob,
  queueWorkerCreate,
  queueWorkerGetJob,
  queueWorkerListJobs,
  queueWorkerRegisterCronJobs,
  type StorageAdapter,
} from "@docket/core";
import { memoryLogger, waitFor } from "@docket/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUILTIN_CRON_JOBS, jobQueueCleanup, jobQueueInsights } from "../src/index.ts";

const DAY = 86_400_000;
let dir: string;
let adapter: StorageAdapter;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "docket-builtin-"));
  adapter = createSqliteAdapter({ filename: join(dir, "queue.db") });
  await adapter.migrate();
});

afterEach(async () => {
  await adapter.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `handler` on one claimed job the way a worker does, returning what it returned. */
async function runDirect(handler: ReturnType<typeof jobQueueInsights>): Promise<unknown> {
  const logger = memoryLogger();
  const job = (await queueWorkerListJobs(adapter, { limit: 1 }))[0]!;
  return handler(newEvent(logger), adapter.db, job, { adapter });
}

async function finishJob(name: string, kind: "succeeded" | "failed"): Promise<number> {
  const id = await queueWorkerAddJob(adapter, { name });
  await adapter.claim({
    leaseToken: `t${id}`,
    limit: 1,
    names: [name],
    maxRetryCount: 5,
    ignoreSorting: false,
    leaseMs: 60_000,
  });
  await adapter.complete([
    {
      id,
      leaseToken: `t${id}`,
      kind,
      error: kind === "failed" ? "x" : null,
      retryDelayMs: null,
      deleteOnFinish: false,
      cronSuccessor: null,
    },
  ]);
  return id;
}

describe("jobQueueInsights", () => {
  it("returns zeros as numbers for an empty queue", async () => {
    await queueWorkerAddJob(adapter, { name: "self", scheduledAt: new Date(Date.now() + DAY) });
    const counts = await runDirect(jobQueueInsights());
    expect(counts).toEqual({ pendingCount: 0, scheduledCount: 1, runningCount: 0, failedCount: 0 });
  });

  it("counts due and future jobs, including jobs no worker handles, and logs them", async () => {
    for (let i = 0; i < 3; i++) await queueWorkerAddJob(adapter, { name: "nobody.handles.this" });
    await queueWorkerAddJob(adapter, { name: "later", scheduledAt: new Date(Date.now() + DAY) });
    const logger = memoryLogger();
    const job = (await queueWorkerListJobs(adapter, { limit: 1 }))[0]!;
    const counts = await jobQueueInsights()(newEvent(logger), adapter.db, job, { adapter });
    expect(counts).toMatchObject({ pendingCount: 3, scheduledCount: 1 });
    expect(logger.entries.find((entry) => entry.type === "docket.queue_insights")).toMatchObject({
      pendingCount: 3,
      scheduledCount: 1,
    });
  });
});

describe("jobQueueCleanup", () => {
  it("deletes finished jobs older than the history window and keeps everything else", async () => {
    const oldDone = await finishJob("old.done", "succeeded");
    const oldFailed = await finishJob("old.failed", "failed");
    const pending = await queueWorkerAddJob(adapter, { name: "pending" });
    // With a window of 0 days every finished job is old enough.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const result = await jobQueueCleanup({ queueHistoryInDays: 0 })(
      newEvent(memoryLogger()),
      adapter.db,
      (await queueWorkerGetJob(adapter, pending))!,
      { adapter },
    );
    expect(result).toEqual({ removedCount: 2 });
    expect(await queueWorkerGetJob(adapter, oldDone)).toBeNull();
    expect(await queueWorkerGetJob(adapter, oldFailed)).toBeNull();
    expect(await queueWorkerGetJob(adapter, pending)).not.toBeNull();
  });

  it("keeps jobs that finished within the default five days", async () => {
    const recent = await finishJob("recent", "succeeded");
    const result = await jobQueueCleanup()(
      newEvent(memoryLogger()),
      adapter,
      (await queueWorkerGetJob(adapter, recent))!,
      undefined as never,
    );
    expect(result).toEqual({ removedCount: 0 });
    expect(await queueWorkerGetJob(adapter, recent)).not.toBeNull();
  });

  it("deletes in batches until the backlog is gone", async () => {
    for (let i = 0; i < 7; i++) await finishJob("bulk", "succeeded");
    await new Promise((resolve) => setTimeout(resolve, 10));
    const pending = await queueWorkerAddJob(adapter, { name: "p" });
    const result = await jobQueueCleanup({ queueHistoryInDays: 0, batchSize: 3 })(
      newEvent(memoryLogger()),
      adapter.db,
      (await queueWorkerGetJob(adapter, pending))!,
      { adapter },
    );
    expect(result).toEqual({ removedCount: 7 });
  });

  it("rejects a bad history window before touching the database", () => {
    expect(() => jobQueueCleanup({ queueHistoryInDays: -1 })).toThrow(
      expect.objectContaining({ code: "invalid_argument" }),
    );
    expect(() => jobQueueCleanup({ queueHistoryInDays: "5" as any })).toThrow(/queueHistoryInDays/);
  });
});

describe("built-in jobs in a worker", () => {
  it("run as cron jobs under their Compas names", async () => {
    await queueWorkerRegisterCronJobs(adapter, { jobs: [...BUILTIN_CRON_JOBS] });
    const pending = (await queueWorkerListJobs(adapter, {})).map((job) => job.name).sort();
    expect(pending).toEqual([
      "compas.file.cleanup",
      "compas.queue.cleanup",
      "compas.queue.insights",
      "compas.sessionStore.cleanup",
    ]);
    // Run the insights job now through a real worker.
    const id = await queueWorkerAddJob(adapter, { name: "compas.queue.insights" });
    const logger = memoryLogger();
    const worker = queueWorkerCreate(adapter, {
      handler: {
        "compas.queue.insights": jobQueueInsights(),
        "compas.queue.cleanup": jobQueueCleanup(),
      },
      pollInterval: 20,
      logger,
    });
    worker.start();
    await waitFor(async () => (await queueWorkerGetJob(adapter, id))!.isComplete, {
      what: "the insights job",
    });
    await worker.stop();
    expect((await queueWorkerGetJob(adapter, id))!.failedAt).toBeNull();
    expect(logger.entries.some((entry) => entry.type === "docket.queue_insights")).toBe(true);
  });
});
