import { queueWorkerAddJobs, queueWorkerCreate, type StorageAdapter } from "@docket/core";
import { createMemoryAdapter, memoryLogger, waitFor } from "@docket/core/testing";
import { describe, expect, it } from "vitest";

/**
 * The loop on an adapter whose calls settle without I/O (the reference adapter, like
 * SQLite): it claims without giving up its turn of the event loop every time, so these
 * tests pin what must still hold.
 */
async function queueOf(jobs: number): Promise<StorageAdapter> {
  const adapter = createMemoryAdapter();
  await adapter.migrate();
  await queueWorkerAddJobs(
    adapter,
    Array.from({ length: jobs }, (_, i) => ({ name: "busy", priority: i })),
  );
  return adapter;
}

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // A synchronous handler: nothing in the job gives the event loop a turn.
  }
}

describe("worker loop", () => {
  it("lets timers and I/O run during a busy drain on a synchronous adapter", async () => {
    const adapter = await queueOf(600);
    let ran = 0;
    const worker = queueWorkerCreate(adapter, {
      pollInterval: 50,
      logger: memoryLogger(),
      handler: {
        busy: () => {
          busyWait(0.5);
          ran += 1;
        },
      },
    });
    // A ticker that needs a turn of the event loop for every step.
    let longestGapMs = 0;
    let last = performance.now();
    let ticking = true;
    const tick = () => {
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const startedAt = performance.now();
    worker.start();
    await waitFor(() => ran === 600, { what: "the drain", intervalMs: 5 });
    const drainMs = performance.now() - startedAt;
    ticking = false;
    await worker.stop();
    // The drain takes ≥ 300 ms of synchronous handlers; the ticker never waited for most of it.
    expect(drainMs).toBeGreaterThan(300);
    expect(longestGapMs).toBeLessThan(100);
  });

  it("runs a busy queue in strict priority order at concurrency 1", async () => {
    const adapter = await queueOf(300);
    const priorities: number[] = [];
    const worker = queueWorkerCreate(adapter, {
      pollInterval: 50,
      logger: memoryLogger(),
      handler: {
        busy: async (_event, _db, job) => {
          priorities.push(job.priority);
        },
      },
    });
    worker.start();
    await waitFor(() => priorities.length === 300, { what: "the drain", intervalMs: 5 });
    await worker.stop();
    expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
  });
});
