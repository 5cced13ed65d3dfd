import { expect, it } from "vitest";
import { queueWorkerAddJob } from "../add-job.ts";
import { queueWorkerCancelJob } from "../job-actions.ts";
import { queueWorkerCountJobsByName, queueWorkerJobActivity } from "../job-stats.ts";
import { expectDocketError, HOUR } from "./helpers.ts";
import { claimRequest, outcome } from "./seam-fixtures.ts";
import type { SuiteContext } from "./suite-context.ts";

const MINUTE = 60_000;

/** Operator views (issue 12): per-name counts by state and finished jobs per time bucket. */
export function jobViewsSuite({ queue }: SuiteContext): void {
  it("counts jobs by name in every state, names ascending", async () => {
    const adapter = await queue();
    expect(await queueWorkerCountJobsByName(adapter)).toEqual([]);
    const later = new Date(Date.now() + HOUR);
    await queueWorkerAddJob(adapter, { name: "b" });
    await queueWorkerAddJob(adapter, { name: "b" });
    await queueWorkerAddJob(adapter, { name: "b", scheduledAt: later });
    const cancelled = await queueWorkerAddJob(adapter, { name: "b", scheduledAt: later });
    await queueWorkerCancelJob(adapter, cancelled);
    for (let i = 0; i < 4; i++) await queueWorkerAddJob(adapter, { name: "a" });
    const claim = await adapter.claim(claimRequest({ names: ["a"], limit: 4, leaseMs: HOUR }));
    const [ok1, ok2, bad] = claim.jobs;
    await adapter.complete([
      outcome(ok1!.id, ok1!.lockedBy!),
      outcome(ok2!.id, ok2!.lockedBy!),
      outcome(bad!.id, bad!.lockedBy!, { kind: "failed", error: "x" }),
    ]);
    expect(await queueWorkerCountJobsByName(adapter)).toEqual([
      { name: "a", pending: 0, scheduled: 0, running: 1, completed: 2, failed: 1, cancelled: 0 },
      { name: "b", pending: 2, scheduled: 1, running: 0, completed: 0, failed: 0, cancelled: 1 },
    ]);
    // A window that starts after everything finished counts no finished jobs, and still
    // every unfinished one; one that starts before counts them all.
    const now = await adapter.now();
    expect(
      await queueWorkerCountJobsByName(adapter, { finishedSince: new Date(now.getTime() + 1000) }),
    ).toEqual([
      { name: "a", pending: 0, scheduled: 0, running: 1, completed: 0, failed: 0, cancelled: 0 },
      { name: "b", pending: 2, scheduled: 1, running: 0, completed: 0, failed: 0, cancelled: 0 },
    ]);
    const recent = await queueWorkerCountJobsByName(adapter, {
      finishedSince: new Date(now.getTime() - HOUR),
    });
    expect(recent.map((c) => [c.completed, c.failed, c.cancelled])).toEqual([
      [2, 1, 0],
      [0, 0, 1],
    ]);
    await expectDocketError(
      queueWorkerCountJobsByName(adapter, { finishedSince: "yesterday" as any }),
      "invalid_argument",
      "options.finishedSince",
    );
  });

  it("counts finished jobs per time bucket up to now, zeros included", async () => {
    const adapter = await queue();
    for (let i = 0; i < 3; i++) await queueWorkerAddJob(adapter, { name: "a" });
    const claim = await adapter.claim(claimRequest({ names: ["a"], limit: 3, leaseMs: HOUR }));
    const [ok, bad, cancelledLater] = claim.jobs;
    await adapter.complete([
      outcome(ok!.id, ok!.lockedBy!),
      outcome(bad!.id, bad!.lockedBy!, { kind: "failed", error: "x" }),
      // Released, then cancelled: cancelled jobs are in neither count.
      outcome(cancelledLater!.id, cancelledLater!.lockedBy!, { kind: "released" }),
    ]);
    await queueWorkerCancelJob(adapter, cancelledLater!.id);
    const now = await adapter.now();
    const since = new Date(now.getTime() - 10 * MINUTE);
    const buckets = await queueWorkerJobActivity(adapter, { since, bucketMs: MINUTE });
    expect(buckets.length).toBeGreaterThanOrEqual(11);
    expect(buckets.length).toBeLessThanOrEqual(12);
    expect(buckets[0]!.at.getTime()).toBe(since.getTime());
    expect(buckets[1]!.at.getTime()).toBe(since.getTime() + MINUTE);
    const total = buckets.reduce(
      (sum, b) => ({ completed: sum.completed + b.completed, failed: sum.failed + b.failed }),
      { completed: 0, failed: 0 },
    );
    expect(total).toEqual({ completed: 1, failed: 1 });
    // Everything finished in the last bucket(s), none in the first ten minutes.
    expect(buckets.slice(0, 9).every((b) => b.completed === 0 && b.failed === 0)).toBe(true);
    // A window that starts after the jobs finished counts nothing.
    const future = await queueWorkerJobActivity(adapter, {
      since: new Date(now.getTime() + MINUTE),
      bucketMs: MINUTE,
    });
    expect(future.every((b) => b.completed === 0 && b.failed === 0)).toBe(true);
  });

  it("rejects bad activity options", async () => {
    const adapter = await queue();
    const since = new Date(Date.now() - HOUR);
    await expectDocketError(
      queueWorkerJobActivity(adapter, { since: new Date(Number.NaN), bucketMs: MINUTE }),
      "invalid_argument",
      "options.since",
    );
    await expectDocketError(
      queueWorkerJobActivity(adapter, { since, bucketMs: 10 }),
      "invalid_argument",
      "options.bucketMs",
    );
    await expectDocketError(
      queueWorkerJobActivity(adapter, { since: new Date(0), bucketMs: 1000 }),
      "invalid_argument",
      "options.since",
    );
    await expectDocketError(
      queueWorkerJobActivity(adapter, { since, bucketMs: MINUTE, until: 1 } as any),
      "invalid_argument",
      "options.until",
    );
  });
}
