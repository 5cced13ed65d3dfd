import { expect, it } from "vitest";
import { claimRequest, newJob, outcome } from "./seam-fixtures.ts";
import type { SuiteContext } from "./suite-context.ts";

const HOUR = 3_600_000;

/** `claim` on the seam: order, limit, the lease it writes, and which rows it passes by. */
export function seamClaimSuite({ queue, harness }: SuiteContext): void {
  it("claims in priority, then scheduledAt, then id order, at most limit jobs", async () => {
    const adapter = await queue();
    const now = (await adapter.now()).getTime();
    const t = (seconds: number) => new Date(now - 100_000 + seconds * 1000);
    const ids = await adapter.enqueue([
      newJob({ priority: 5, scheduledAt: t(1) }), // 4th
      newJob({ priority: 1, scheduledAt: t(3) }), // 3rd
      newJob({ priority: 1, scheduledAt: t(2) }), // 2nd
      newJob({ priority: 5, scheduledAt: t(1) }), // 5th: ties with the 4th, later id
      newJob({ priority: 0, scheduledAt: t(9) }), // 1st
    ]);
    const first = await adapter.claim(claimRequest({ limit: 3 }));
    expect(first.jobs.map((job) => job.id)).toEqual([ids[4], ids[2], ids[1]]);
    expect(first.finished).toEqual([]);
    const rest = await adapter.claim(claimRequest({ limit: 10 }));
    expect(rest.jobs.map((job) => job.id)).toEqual([ids[0], ids[3]]);
    const empty = await adapter.claim(claimRequest());
    expect(empty.jobs).toEqual([]);
    expect(empty.finished).toEqual([]);
    expect(empty.now).toBeInstanceOf(Date);
  });

  it("keeps the order across many distinct priorities", async () => {
    const adapter = await queue();
    const priorities = Array.from({ length: 70 }, (_, i) => 69 - i);
    const ids = await adapter.enqueue(priorities.map((priority) => newJob({ priority })));
    const { jobs } = await adapter.claim(claimRequest({ limit: 100 }));
    expect(jobs.map((job) => job.priority)).toEqual([...priorities].reverse());
    expect(jobs.map((job) => job.id)).toEqual([...ids].reverse());
  });

  it("with ignoreSorting, still leases at most limit distinct eligible jobs", async () => {
    const adapter = await queue();
    const ids = await adapter.enqueue(Array.from({ length: 10 }, () => newJob()));
    await adapter.enqueue([newJob({ name: "other" })]);
    const { jobs } = await adapter.claim(claimRequest({ limit: 4, ignoreSorting: true }));
    expect(jobs).toHaveLength(4);
    expect(new Set(jobs.map((job) => job.id)).size).toBe(4);
    for (const job of jobs) expect(ids).toContain(job.id);
    const rest = await adapter.claim(claimRequest({ limit: 10, ignoreSorting: true }));
    expect([...jobs, ...rest.jobs].map((job) => job.id).sort((a, b) => a - b)).toEqual(ids);
  });

  it("leases what it returns at the adapter's clock, and returns the stored rows", async () => {
    const adapter = await queue();
    const [id] = await adapter.enqueue([newJob()]);
    const request = claimRequest({ leaseMs: 90_000 });
    const before = await adapter.now();
    const { jobs, now } = await adapter.claim(request);
    const after = await adapter.now();
    expect(now.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(now.getTime()).toBeLessThanOrEqual(after.getTime());
    expect(jobs).toHaveLength(1);
    const stored = (await adapter.getJob(id!))!;
    expect(jobs[0]).toEqual(stored);
    expect(stored).toMatchObject({ lockedBy: request.leaseToken, retryCount: 0, lastError: null });
    expect(stored.lockedUntil!.getTime()).toBe(now.getTime() + 90_000);
    expect(stored.updatedAt).toEqual(now);
  });

  it("never hands a job to two claimers running at once on two adapters", async () => {
    const first = await queue();
    const second = await harness.reopen(first);
    const ids = await first.enqueue(Array.from({ length: 200 }, () => newJob()));
    const seen: number[] = [];
    const claimer = async (index: number) => {
      const adapter = index % 2 === 0 ? first : second;
      for (;;) {
        const { jobs } = await adapter.claim(claimRequest({ limit: 7 }));
        if (jobs.length === 0) return;
        seen.push(...jobs.map((job) => job.id));
      }
    };
    await Promise.all(Array.from({ length: 10 }, (_, i) => claimer(i)));
    // A claimer may stop while another still holds rows; whatever is left is still there.
    const rest = await first.claim(claimRequest({ limit: 200 }));
    seen.push(...rest.jobs.map((job) => job.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(ids);
  });

  it("passes by future, complete, leased, exhausted and unlisted jobs", async () => {
    const adapter = await queue();
    const [future, complete, leased, exhausted, unlisted, eligible] = await adapter.enqueue([
      newJob({ scheduledAt: new Date(Date.now() + HOUR) }),
      newJob({ priority: 1 }),
      newJob({ priority: 2 }),
      newJob({ priority: 3 }),
      newJob({ name: "other" }),
      newJob({ priority: 9 }),
    ]);
    // Complete: claimed and succeeded. Leased: held by a live claim.
    const setup = await adapter.claim(claimRequest({ limit: 2 }));
    expect(setup.jobs.map((job) => job.id)).toEqual([complete, leased]);
    await adapter.complete([outcome(complete!, setup.jobs[0]!.lockedBy!)]);
    // Exhausted: three failed attempts recorded as retries, no lease left.
    for (let attempt = 0; attempt < 3; attempt++) {
      const { jobs } = await adapter.claim(claimRequest({ limit: 1, maxRetryCount: 10 }));
      expect(jobs.map((job) => job.id)).toEqual([exhausted]);
      await adapter.complete([
        outcome(exhausted!, jobs[0]!.lockedBy!, { kind: "retry", error: "e" }),
      ]);
    }
    const { jobs } = await adapter.claim(claimRequest({ maxRetryCount: 3 }));
    expect(jobs.map((job) => job.id)).toEqual([eligible]);
    expect([future, unlisted]).not.toContain(jobs[0]!.id);
    const other = await adapter.claim(claimRequest({ names: ["job", "other"] }));
    expect(other.jobs.map((job) => job.id)).toEqual([unlisted]);
  });
}
