import { expect, it } from "vitest";
import { LEASE_EXPIRED_ERROR } from "../storage-adapter.ts";
import { HOUR } from "./helpers.ts";
import { claimRequest, newJob, outcome } from "./seam-fixtures.ts";
import { leaseExpired, SHORT_LEASE_MS } from "./seam-leases.ts";
import type { SuiteContext } from "./suite-context.ts";

const MINUTE = 60_000;
const byId = (a: number, b: number) => a - b;

/** `heartbeat` and `complete` on the seam: every outcome kind, each guarded by its lease. */
export function seamCompleteSuite({ queue }: SuiteContext): void {
  it("extends live leases on heartbeat and reports the lost ones", async () => {
    const adapter = await queue();
    const [a, b, c] = await adapter.enqueue([newJob(), newJob(), newJob()]);
    const { jobs, now } = await adapter.claim(claimRequest({ leaseMs: 5_000 }));
    const token = jobs[0]!.lockedBy!;
    await adapter.complete([outcome(c!, token)]);
    const lost = await adapter.heartbeat(
      [
        { id: a!, leaseToken: token },
        { id: b!, leaseToken: "stolen:1" },
        { id: c!, leaseToken: token },
        { id: a! + 999_999, leaseToken: token },
      ],
      HOUR,
    );
    expect(lost.sort(byId)).toEqual([b, c, a! + 999_999]);
    const extended = (await adapter.getJob(a!))!;
    expect(extended.lockedUntil!.getTime()).toBeGreaterThanOrEqual(now.getTime() + HOUR);
    expect((await adapter.getJob(b!))!.lockedUntil!.getTime()).toBe(now.getTime() + 5_000);
    expect(await adapter.heartbeat([{ id: a!, leaseToken: token }], HOUR)).toEqual([]);
    expect(await adapter.heartbeat([], HOUR)).toEqual([]);
  });

  it("records an outcome only under the current lease; a stale token changes nothing", async () => {
    const adapter = await queue();
    const [id] = await adapter.enqueue([newJob()]);
    const { jobs } = await adapter.claim(claimRequest());
    const token = jobs[0]!.lockedBy!;
    const before = await adapter.getJob(id!);
    const stale = await adapter.complete([outcome(id!, "stale:1", { kind: "failed", error: "x" })]);
    expect(stale).toEqual({ recorded: [], lost: [id] });
    expect(await adapter.getJob(id!)).toEqual(before);
    expect(await adapter.complete([outcome(id!, token)])).toEqual({ recorded: [id], lost: [] });
    const done = (await adapter.getJob(id!))!;
    expect(done).toMatchObject({
      isComplete: true,
      failedAt: null,
      lockedBy: null,
      lockedUntil: null,
      retryCount: 0,
    });
    expect(done.completedAt).toBeInstanceOf(Date);
    // Finished: the same lease cannot record a second outcome.
    const again = await adapter.complete([outcome(id!, token, { kind: "failed", error: "y" })]);
    expect(again).toEqual({ recorded: [], lost: [id] });
  });

  it("records several kinds in one call: retry now, retry later, success, give up", async () => {
    const adapter = await queue();
    const [soon, later, ok, gaveUp] = await adapter.enqueue([
      newJob(),
      newJob(),
      newJob(),
      newJob(),
    ]);
    const { jobs, now } = await adapter.claim(claimRequest());
    const token = jobs[0]!.lockedBy!;
    const scheduledBefore = jobs.find((job) => job.id === soon)!.scheduledAt;
    const result = await adapter.complete([
      outcome(soon!, token, { kind: "retry", error: "boom 1" }),
      outcome(later!, token, { kind: "retry", error: "boom 2", retryDelayMs: 10 * MINUTE }),
      outcome(ok!, token),
      outcome(gaveUp!, token, { kind: "failed", error: "final" }),
    ]);
    expect(result.recorded.sort(byId)).toEqual([soon, later, ok, gaveUp]);
    expect(result.lost).toEqual([]);
    const retried = (await adapter.getJob(soon!))!;
    expect(retried).toMatchObject({
      retryCount: 1,
      lastError: "boom 1",
      isComplete: false,
      lockedBy: null,
      lockedUntil: null,
      scheduledAt: scheduledBefore,
    });
    const delayed = (await adapter.getJob(later!))!;
    expect(delayed).toMatchObject({ retryCount: 1, lastError: "boom 2", isComplete: false });
    expect(delayed.scheduledAt.getTime()).toBeGreaterThanOrEqual(now.getTime() + 10 * MINUTE);
    const failed = (await adapter.getJob(gaveUp!))!;
    expect(failed).toMatchObject({ retryCount: 1, lastError: "final", isComplete: true });
    expect(failed.failedAt).toBeInstanceOf(Date);
    expect(failed.completedAt).toEqual(failed.failedAt);
    expect((await adapter.getJob(ok!))!).toMatchObject({ failedAt: null, retryCount: 0 });
    const next = await adapter.claim(claimRequest());
    expect(next.jobs.map((job) => job.id)).toEqual([soon]);
  });

  it("finishes an abandoned job as failed, keeping the attempt count and error its claim wrote", async () => {
    const adapter = await queue();
    const [id, gone] = await adapter.enqueue([newJob({ priority: 1 }), newJob({ priority: 2 })]);
    const dead = await adapter.claim(claimRequest({ leaseMs: SHORT_LEASE_MS }));
    expect(dead.jobs.map((job) => job.id)).toEqual([id, gone]);
    await leaseExpired(adapter, id!);
    await leaseExpired(adapter, gone!);
    // A claim with attempts to spare leases them; `abandoned` is for a worker that has
    // none left (core's safety net for adapters that hand such jobs out).
    const { jobs } = await adapter.claim(claimRequest({ maxRetryCount: 2 }));
    expect(jobs.map((job) => [job.id, job.retryCount, job.lastError])).toEqual([
      [id, 1, LEASE_EXPIRED_ERROR],
      [gone, 1, LEASE_EXPIRED_ERROR],
    ]);
    const token = jobs[0]!.lockedBy!;
    const result = await adapter.complete([
      outcome(id!, token, { kind: "abandoned", error: "ignored" }),
      outcome(gone!, token, { kind: "abandoned", error: null, deleteOnFinish: true }),
    ]);
    expect(result).toEqual({ recorded: [id, gone], lost: [] });
    const job = (await adapter.getJob(id!))!;
    expect(job).toMatchObject({ isComplete: true, retryCount: 1, lastError: LEASE_EXPIRED_ERROR });
    expect(job.failedAt).toBeInstanceOf(Date);
    expect(job.completedAt).toEqual(job.failedAt);
    expect(await adapter.getJob(gone!)).toBeNull();
  });

  it("deletes finished jobs with deleteOnFinish, keeps a retried one, and refuses a repeat", async () => {
    const adapter = await queue();
    const [a, b, c, d] = await adapter.enqueue([newJob(), newJob(), newJob(), newJob()]);
    const { jobs } = await adapter.claim(claimRequest());
    const token = jobs[0]!.lockedBy!;
    const result = await adapter.complete([
      outcome(a!, token, { deleteOnFinish: true }),
      outcome(b!, token, { kind: "failed", error: "x", deleteOnFinish: true }),
      outcome(c!, token, { kind: "retry", error: "y", deleteOnFinish: true }),
      outcome(d!, token, { kind: "abandoned", error: null, deleteOnFinish: true }),
      // The same job twice in one call: the second finds its row gone.
      outcome(a!, token, { deleteOnFinish: true }),
    ]);
    expect(result.recorded.sort(byId)).toEqual([a, b, c, d]);
    expect(result.lost).toEqual([a]);
    expect(await adapter.getJob(a!)).toBeNull();
    expect(await adapter.getJob(b!)).toBeNull();
    expect(await adapter.getJob(d!)).toBeNull();
    expect(await adapter.getJob(c!)).toMatchObject({ retryCount: 1, isComplete: false });
  });

  it("gives the same answers when a complete and a claim are made in the same turn", async () => {
    const adapter = await queue();
    const [a, b, c, d] = await adapter.enqueue([
      newJob({ priority: 1 }),
      newJob({ priority: 2 }),
      newJob({ priority: 3 }),
      newJob({ priority: 4 }),
    ]);
    const first = await adapter.claim(claimRequest({ limit: 2 }));
    expect(first.jobs.map((job) => job.id)).toEqual([a, b]);
    const token = first.jobs[0]!.lockedBy!;
    const [completed, claimed] = await Promise.all([
      adapter.complete([outcome(a!, token), outcome(b!, "someone-else:1")]),
      adapter.claim(claimRequest({ limit: 1 })),
    ]);
    expect(completed).toEqual({ recorded: [a], lost: [b] });
    // b is still leased (its owner has not finished): the claim passes it by.
    expect(claimed.jobs.map((job) => job.id)).toEqual([c]);
    const states = await Promise.all(
      [a, b, c, d].map(async (id) => {
        const job = (await adapter.getJob(id!))!;
        return [job.isComplete, job.lockedBy !== null];
      }),
    );
    expect(states).toEqual([
      [true, false],
      [false, true],
      [false, true],
      [false, false],
    ]);
  });
}
