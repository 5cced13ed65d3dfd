import { expect, it } from "vitest";
import { queueWorkerAddJob } from "../add-job.ts";
import {
  queueWorkerCancelJob,
  queueWorkerDeleteJob,
  queueWorkerRetryFailedJobs,
  queueWorkerRetryJob,
} from "../job-actions.ts";
import { jobState } from "../job-record.ts";
import { queueWorkerGetJob, queueWorkerListJobs } from "../read-jobs.ts";
import type { StorageAdapter } from "../storage-adapter.ts";
import { expectDocketError, HOUR, waitFor, withWorker } from "./helpers.ts";
import { claimRequest, outcome } from "./seam-fixtures.ts";
import type { SuiteContext } from "./suite-context.ts";

/** Claims the job of `name` (the only one) and records `kind` for it. */
async function finish(
  adapter: StorageAdapter,
  name: string,
  kind: "succeeded" | "failed",
): Promise<number> {
  const claim = await adapter.claim(claimRequest({ names: [name], limit: 1, leaseMs: HOUR }));
  const job = claim.jobs[0]!;
  const error = kind === "failed" ? `boom ${name}` : null;
  await adapter.complete([outcome(job.id, job.lockedBy!, { kind, error })]);
  return job.id;
}

/** Adds a job named `name` and leaves it running under a one-hour lease. */
async function running(adapter: StorageAdapter, name: string): Promise<number> {
  const id = await queueWorkerAddJob(adapter, { name });
  await adapter.claim(claimRequest({ names: [name], limit: 1, leaseMs: HOUR }));
  return id;
}

async function stateOf(adapter: StorageAdapter, id: number) {
  const job = await queueWorkerGetJob(adapter, id);
  return job === null ? null : jobState(job, await adapter.now());
}

/** Operator actions and views (issue 12): guarded, atomic, never touching a running job. */
export function jobActionsSuite({ queue, harness }: SuiteContext): void {
  it("retries a failed job: pending now, attempts reset, error kept, then it runs", async () => {
    const adapter = await queue();
    await queueWorkerAddJob(adapter, { name: "f", scheduledAt: new Date(Date.now() - HOUR) });
    const id = await finish(adapter, "f", "failed");
    expect(await stateOf(adapter, id)).toBe("failed");

    expect(await queueWorkerRetryJob(adapter, id)).toEqual({ ok: true });
    const job = (await queueWorkerGetJob(adapter, id))!;
    expect(job).toMatchObject({
      isComplete: false,
      retryCount: 0,
      lastError: "boom f",
      completedAt: null,
      failedAt: null,
      cancelledAt: null,
      lockedBy: null,
      lockedUntil: null,
    });
    expect(job.scheduledAt.getTime()).toBeGreaterThan(Date.now() - HOUR / 2);
    expect(await stateOf(adapter, id)).toBe("pending");

    await withWorker(adapter, { handler: { f: async () => {} } }, async () => {
      await waitFor(async () => (await stateOf(adapter, id)) === "completed", {
        what: "the retried job to complete",
      });
    });
    // A second retry is refused: the job is not failed any more.
    expect(await queueWorkerRetryJob(adapter, id)).toEqual({
      ok: false,
      reason: "invalid_state",
      state: "completed",
    });
  });

  it("refuses to retry a missing, pending or running job", async () => {
    const adapter = await queue();
    const pending = await queueWorkerAddJob(adapter, { name: "p" });
    const run = await running(adapter, "r");
    expect(await queueWorkerRetryJob(adapter, 987654321)).toEqual({
      ok: false,
      reason: "not_found",
    });
    expect(await queueWorkerRetryJob(adapter, pending)).toEqual({
      ok: false,
      reason: "invalid_state",
      state: "pending",
    });
    expect(await queueWorkerRetryJob(adapter, run)).toEqual({
      ok: false,
      reason: "running",
      state: "running",
    });
    expect((await queueWorkerGetJob(adapter, run))!.lockedBy).not.toBeNull();
  });

  it("retries all failed jobs, or those of one name, and counts them", async () => {
    const adapter = await queue();
    for (const name of ["a", "a", "b"]) await queueWorkerAddJob(adapter, { name });
    await finish(adapter, "a", "failed");
    await finish(adapter, "a", "failed");
    await finish(adapter, "b", "failed");
    await queueWorkerAddJob(adapter, { name: "a" });
    await finish(adapter, "a", "succeeded");

    expect(await queueWorkerRetryFailedJobs(adapter, { name: "c" })).toBe(0);
    expect(await queueWorkerRetryFailedJobs(adapter, { name: "a" })).toBe(2);
    expect((await queueWorkerListJobs(adapter, { state: "failed" })).map((j) => j.name)).toEqual([
      "b",
    ]);
    expect(await queueWorkerRetryFailedJobs(adapter)).toBe(1);
    expect(await queueWorkerListJobs(adapter, { state: "failed" })).toEqual([]);
    expect(await queueWorkerListJobs(adapter, { state: "pending" })).toHaveLength(3);
    expect(await queueWorkerListJobs(adapter, { state: "completed" })).toHaveLength(1);
  });

  it("retries a failed cron run as a one-off while its schedule keeps its pending row", async () => {
    const adapter = await queue();
    const definition = (nextRunAt: Date) => ({
      name: "tick",
      cronExpression: "0 0 1 1 *",
      priority: 5,
      nextRunAt,
      dataJson: "{}",
    });
    await adapter.syncCron([definition(new Date(Date.now() - HOUR))]);
    const claim = await adapter.claim(claimRequest({ names: ["tick"], limit: 1, leaseMs: HOUR }));
    const run = claim.jobs[0]!;
    await adapter.complete([
      outcome(run.id, run.lockedBy!, {
        kind: "failed",
        error: "cron boom",
        cronSuccessor: definition(new Date(Date.now() + HOUR)),
      }),
    ]);
    expect(await queueWorkerRetryJob(adapter, run.id)).toEqual({ ok: true });
    const retried = (await queueWorkerGetJob(adapter, run.id))!;
    expect(retried).toMatchObject({
      cronExpression: null,
      isComplete: false,
      lastError: "cron boom",
    });
    const unfinished = (await queueWorkerListJobs(adapter, { name: "tick" })).filter(
      (job) => !job.isComplete,
    );
    expect(unfinished.map((job) => job.cronExpression)).toEqual(["0 0 1 1 *", null]);
  });

  it("cancels pending and scheduled jobs: finished as cancelled, never claimed", async () => {
    const adapter = await queue();
    const pending = await queueWorkerAddJob(adapter, { name: "c" });
    const scheduled = await queueWorkerAddJob(adapter, {
      name: "c",
      scheduledAt: new Date(Date.now() + HOUR),
    });
    expect(await queueWorkerCancelJob(adapter, pending)).toEqual({ ok: true });
    expect(await queueWorkerCancelJob(adapter, scheduled)).toEqual({ ok: true });
    const job = (await queueWorkerGetJob(adapter, pending))!;
    expect(job).toMatchObject({ isComplete: true, failedAt: null, lockedBy: null });
    expect(job.cancelledAt).toBeInstanceOf(Date);
    expect(job.completedAt!.getTime()).toBe(job.cancelledAt!.getTime());
    expect(await stateOf(adapter, scheduled)).toBe("cancelled");

    expect((await adapter.claim(claimRequest({ names: ["c"] }))).jobs).toEqual([]);
    const listed = (state: "cancelled" | "completed" | "pending") =>
      queueWorkerListJobs(adapter, { state }).then((jobs) => jobs.map((j) => j.id));
    expect(await listed("cancelled")).toEqual([scheduled, pending]);
    expect(await listed("completed")).toEqual([]);
    expect(await listed("pending")).toEqual([]);
    // Cancelled is final: cancelling or retrying again is refused.
    expect(await queueWorkerCancelJob(adapter, pending)).toEqual({
      ok: false,
      reason: "invalid_state",
      state: "cancelled",
    });
    expect(await queueWorkerRetryJob(adapter, pending)).toMatchObject({ ok: false });
    // Cancelled jobs are history: cleanup removes them like finished ones.
    expect(await adapter.cleanup({ completedBefore: new Date(Date.now() + HOUR), limit: 10 })).toBe(
      2,
    );
  });

  it("refuses to cancel a running, finished or missing job", async () => {
    const adapter = await queue();
    const run = await running(adapter, "r");
    await queueWorkerAddJob(adapter, { name: "d" });
    const done = await finish(adapter, "d", "succeeded");
    await queueWorkerAddJob(adapter, { name: "f" });
    const failed = await finish(adapter, "f", "failed");
    expect(await queueWorkerCancelJob(adapter, run)).toEqual({
      ok: false,
      reason: "running",
      state: "running",
    });
    expect(await queueWorkerCancelJob(adapter, done)).toEqual({
      ok: false,
      reason: "invalid_state",
      state: "completed",
    });
    expect(await queueWorkerCancelJob(adapter, failed)).toEqual({
      ok: false,
      reason: "invalid_state",
      state: "failed",
    });
    expect(await queueWorkerCancelJob(adapter, 987654321)).toEqual({
      ok: false,
      reason: "not_found",
    });
    expect(await stateOf(adapter, run)).toBe("running");
  });

  it("deletes a job in any state but running", async () => {
    const adapter = await queue();
    const pending = await queueWorkerAddJob(adapter, { name: "p" });
    const scheduled = await queueWorkerAddJob(adapter, {
      name: "s",
      scheduledAt: new Date(Date.now() + HOUR),
    });
    await queueWorkerAddJob(adapter, { name: "f" });
    const failed = await finish(adapter, "f", "failed");
    const run = await running(adapter, "r");
    for (const id of [pending, scheduled, failed]) {
      expect(await queueWorkerDeleteJob(adapter, id)).toEqual({ ok: true });
      expect(await queueWorkerGetJob(adapter, id)).toBeNull();
    }
    expect(await queueWorkerDeleteJob(adapter, pending)).toEqual({
      ok: false,
      reason: "not_found",
    });
    expect(await queueWorkerDeleteJob(adapter, run)).toEqual({
      ok: false,
      reason: "running",
      state: "running",
    });
    expect(await stateOf(adapter, run)).toBe("running");
  });

  it("acts on a job whose lease expired (its worker died): it is not running", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "x" });
    const claim = await adapter.claim(claimRequest({ names: ["x"], leaseMs: 1 }));
    await waitFor(async () => (await stateOf(adapter, id)) === "pending", { what: "expiry" });
    expect(await queueWorkerCancelJob(adapter, id)).toEqual({ ok: true });
    // The dead worker's late outcome loses: the job stays cancelled.
    const late = await adapter.complete([outcome(id, claim.jobs[0]!.lockedBy!)]);
    expect(late.lost).toEqual([id]);
    expect(await stateOf(adapter, id)).toBe("cancelled");
  });

  it("never changes a job a racing claim won, and a claim never gets a cancelled job", async () => {
    const adapter = await queue();
    const other = await harness.reopen(adapter);
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push(await queueWorkerAddJob(adapter, { name: "race" }));
    for (const action of [queueWorkerCancelJob, queueWorkerDeleteJob]) {
      const [claimed, results] = await Promise.all([
        (async () => {
          const got: number[] = [];
          for (let i = 0; i < 6; i++) {
            const claim = await other.claim(
              claimRequest({ names: ["race"], limit: 5, leaseMs: HOUR }),
            );
            got.push(...claim.jobs.map((job) => job.id));
          }
          return got;
        })(),
        Promise.all(ids.map((id) => action(adapter, id))),
      ]);
      const claimedSet = new Set(claimed);
      ids.forEach((id, index) => {
        const result = results[index]!;
        if (claimedSet.has(id)) {
          // The claim won: the action said so and left the job to its worker.
          expect(result).toEqual({ ok: false, reason: "running", state: "running" });
        } else if (result.ok === false) {
          // Already handled by the first round (cancelled, or gone), never by a claim.
          expect(result.reason).not.toBe("running");
        }
      });
      for (const id of claimed) {
        const job = (await queueWorkerGetJob(adapter, id))!;
        expect(job.isComplete).toBe(false);
        expect(job.cancelledAt).toBeNull();
        const recorded = await adapter.complete([outcome(id, job.lockedBy!)]);
        expect(recorded.recorded).toEqual([id]);
      }
      const finished = await adapter.listJobs({ state: "completed", limit: 100 });
      expect(finished.every((job) => job.cancelledAt === null)).toBe(true);
      // Refill for the second round.
      ids.length = 0;
      for (let i = 0; i < 30; i++) ids.push(await queueWorkerAddJob(adapter, { name: "race" }));
    }
  });

  it("rejects bad ids and options before touching the database", async () => {
    const adapter = await queue();
    for (const action of [
      queueWorkerRetryJob,
      queueWorkerCancelJob,
      queueWorkerDeleteJob,
    ] as const) {
      await expectDocketError(action(adapter, 0), "invalid_argument", "id");
      await expectDocketError(action(adapter, 1.5), "invalid_argument", "id");
      await expectDocketError(action(adapter, "1" as any), "invalid_argument", "id");
      await expectDocketError(action({} as any, 1), "invalid_argument", "adapter");
    }
    await expectDocketError(
      queueWorkerRetryFailedJobs(adapter, { name: "" }),
      "invalid_argument",
      "options.name",
    );
    await expectDocketError(
      queueWorkerRetryFailedJobs(adapter, { nam: "x" } as any),
      "invalid_argument",
      "options.nam",
    );
  });
}
