import { expect, it } from "vitest";
import { queueWorkerAddJob } from "../add-job.ts";
import { queueWorkerGetJob, queueWorkerListJobs } from "../read-jobs.ts";
import { delay, HOUR } from "./helpers.ts";
import type { SuiteContext } from "./suite-context.ts";

/** docs/queue.md §6 through the seam: the counts and the history cleanup the built-in jobs use. */
export function queueCountsSuite({ queue }: SuiteContext): void {
  it("counts due, scheduled, running and failed jobs, all zero on an empty queue", async () => {
    const adapter = await queue();
    expect(await adapter.insights()).toEqual({
      pendingCount: 0,
      scheduledCount: 0,
      runningCount: 0,
      failedCount: 0,
    });
    await queueWorkerAddJob(adapter, { name: "due" });
    await queueWorkerAddJob(adapter, { name: "due" });
    await queueWorkerAddJob(adapter, { name: "run" });
    await queueWorkerAddJob(adapter, { name: "later", scheduledAt: new Date(Date.now() + HOUR) });
    const failed = await queueWorkerAddJob(adapter, { name: "fail" });
    await adapter.claim({
      leaseToken: "r",
      limit: 1,
      names: ["run"],
      maxRetryCount: 2,
      ignoreSorting: false,
      leaseMs: HOUR,
    });
    await adapter.claim({
      leaseToken: "f",
      limit: 1,
      names: ["fail"],
      maxRetryCount: 2,
      ignoreSorting: false,
      leaseMs: HOUR,
    });
    await adapter.complete([
      {
        id: failed,
        leaseToken: "f",
        kind: "failed",
        error: "x",
        retryDelayMs: null,
        deleteOnFinish: false,
        cronSuccessor: null,
      },
    ]);
    expect(await adapter.insights()).toEqual({
      pendingCount: 3,
      scheduledCount: 1,
      runningCount: 1,
      failedCount: 1,
    });
  });

  it("cleans up only finished jobs older than the cut-off, in batches", async () => {
    const adapter = await queue();
    const pending = await queueWorkerAddJob(adapter, { name: "keep" });
    const done: number[] = [];
    for (let i = 0; i < 5; i++) done.push(await queueWorkerAddJob(adapter, { name: "old" }));
    await adapter.claim({
      leaseToken: "c",
      limit: 5,
      names: ["old"],
      maxRetryCount: 2,
      ignoreSorting: false,
      leaseMs: HOUR,
    });
    const base = {
      leaseToken: "c",
      error: null,
      retryDelayMs: null,
      deleteOnFinish: false,
      cronSuccessor: null,
    };
    await adapter.complete(done.map((id) => ({ ...base, id, kind: "succeeded" as const })));
    await delay(20);
    const cutOff = await adapter.now();
    expect(
      await adapter.cleanup({ completedBefore: new Date(cutOff.getTime() - HOUR), limit: 100 }),
    ).toBe(0);
    expect(await adapter.cleanup({ completedBefore: cutOff, limit: 2 })).toBe(2);
    expect(await adapter.cleanup({ completedBefore: cutOff, limit: 100 })).toBe(3);
    expect(await queueWorkerGetJob(adapter, pending)).not.toBeNull();
    expect(await queueWorkerListJobs(adapter, {})).toHaveLength(1);
  });
}
