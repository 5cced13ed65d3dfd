import {
  queueWorkerAddJob,
  queueWorkerCreate,
  queueWorkerGetJob,
  type StorageAdapter,
} from "@docket/core";
import { createMemoryAdapter, delay, memoryLogger, waitFor } from "@docket/core/testing";
import { describe, expect, it } from "vitest";

/**
 * The worker's per-job paths without promise chains (attempt observer, recorder
 * callbacks, lazy job logger, one re-armed idle timer), on the reference adapter.
 */
async function queue(): Promise<StorageAdapter> {
  const adapter = createMemoryAdapter();
  await adapter.migrate();
  return adapter;
}

async function complete(adapter: StorageAdapter, id: number) {
  return waitFor(
    async () => {
      const job = await queueWorkerGetJob(adapter, id);
      return job?.isComplete || (job?.lastError ?? null) !== null ? job : undefined;
    },
    { what: `job ${id} finished or failed` },
  );
}

describe("worker attempts", () => {
  it("records a handler that throws synchronously as a failed attempt", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "sync" });
    const logger = memoryLogger();
    const worker = queueWorkerCreate(adapter, {
      pollInterval: 50,
      maxRetryCount: 1,
      logger,
      handler: {
        sync: () => {
          throw new Error("thrown before any await");
        },
      },
    });
    worker.start();
    const job = await complete(adapter, id);
    await worker.stop();
    expect(job).toMatchObject({ isComplete: true, retryCount: 1 });
    expect(job?.lastError).toContain("thrown before any await");
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ type: "docket.job_failed", jobId: id, timedOut: false }),
    );
  });

  it("completes a plain handler whatever its promise resolves to", async () => {
    // Only a transactional attempt records its own completion; a plain handler resolving
    // to `true` must not be taken for one.
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "truthy" });
    const worker = queueWorkerCreate(adapter, {
      pollInterval: 50,
      logger: memoryLogger(),
      handler: { truthy: async () => true },
    });
    worker.start();
    const job = await complete(adapter, id);
    await worker.stop();
    expect(job).toMatchObject({ isComplete: true, retryCount: 0, lastError: null });
  });

  it("gives the handler a job-scoped log and logs the job's span with the same fields", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "logs" });
    const logger = memoryLogger();
    const worker = queueWorkerCreate(adapter, {
      pollInterval: 50,
      logger,
      handler: {
        logs: async (event) => {
          event.log.info({ type: "from_handler" });
          event.log.info({ type: "again" });
        },
      },
    });
    worker.start();
    await complete(adapter, id);
    await worker.stop();
    const fields = { jobId: id, jobName: "logs" };
    expect(logger.entries).toContainEqual({ level: "info", ...fields, type: "from_handler" });
    expect(logger.entries).toContainEqual({ level: "info", ...fields, type: "again" });
    const span = logger.entries.find((entry) => entry.type === "job_span");
    expect(Object.keys(span ?? {})).toEqual(["level", "jobId", "jobName", "type", "span"]);
    expect(span).toMatchObject({ ...fields, span: { name: "job.logs" } });
  });

  it("keeps polling on its own after a wake-up cut an idle wait short", async () => {
    // The idle timer is re-armed, not replaced: a job that becomes due later, with no
    // wake-up of its own, must still be found by the next poll.
    const adapter = await queue();
    const ran: string[] = [];
    const worker = queueWorkerCreate(adapter, {
      pollInterval: 40,
      logger: memoryLogger(),
      handler: {
        now: async () => {
          ran.push("now");
        },
        later: async () => {
          ran.push("later");
        },
      },
    });
    worker.start();
    await delay(10);
    await queueWorkerAddJob(adapter, { name: "now" }); // wakes the idle worker early
    await queueWorkerAddJob(adapter, { name: "later", scheduledAt: new Date(Date.now() + 150) });
    await waitFor(() => ran.length === 2, { what: "both jobs", timeoutMs: 5_000 });
    await worker.stop();
    expect(ran).toEqual(["now", "later"]);
  });

  it("stop() resolves only after a slow handler settled and its outcome is recorded", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "slow" });
    let started = false;
    const worker = queueWorkerCreate(adapter, {
      pollInterval: 50,
      logger: memoryLogger(),
      handler: {
        slow: async () => {
          started = true;
          await delay(100);
        },
      },
    });
    worker.start();
    await waitFor(() => started, { what: "handler start" });
    await worker.stop();
    expect(await queueWorkerGetJob(adapter, id)).toMatchObject({ isComplete: true });
  });
});
