import { expect, it } from "vitest";
import { queueWorkerAddJob, queueWorkerAddJobs } from "../add-job.ts";
import { queueWorkerGetJob, queueWorkerListJobs } from "../read-jobs.ts";
import { LEASE_EXPIRED_ERROR } from "../storage-adapter.ts";
import { delay, HOUR, waitFor, waitUntilComplete, withWorker } from "./helpers.ts";
import type { SuiteContext } from "./suite-context.ts";

/** docs/queue.md §3/§7: many workers, dead workers, leases, stale outcomes. */
export function resilienceSuite({ queue, harness }: SuiteContext): void {
  it("never hands one job to two workers on one queue", async () => {
    const adapter = await queue();
    const other = await harness.reopen(adapter);
    const ids = await queueWorkerAddJobs(
      adapter,
      Array.from({ length: 150 }, (_, i) => ({ name: "once", data: { i } })),
    );
    const runs = new Map<number, number>();
    const handler = {
      once: async (_e: unknown, _db: unknown, job: { id: number }) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
        await delay(2);
      },
    };
    await withWorker(adapter, { parallelCount: 5, handler }, async () => {
      await withWorker(other, { parallelCount: 5, handler }, async () => {
        await waitFor(() => [...runs.keys()].length === ids.length, {
          what: "all jobs",
          timeoutMs: 60_000,
        });
      });
    });
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(await queueWorkerListJobs(adapter, { state: "completed", limit: 1000 })).toHaveLength(
      ids.length,
    );
  });

  it("picks up the job of a dead worker after its lease expires and counts the lost attempt", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "orphan" });
    // A worker that claims and then dies: it never heartbeats or records a result.
    const { jobs } = await adapter.claim({
      leaseToken: "dead:1",
      limit: 1,
      names: ["orphan"],
      maxRetryCount: 2,
      ignoreSorting: false,
      leaseMs: 300,
    });
    expect(jobs.map((job) => job.id)).toEqual([id]);
    const seen: number[] = [];
    await withWorker(
      adapter,
      { handler: { orphan: async (_e, _db, job) => void seen.push(job.retryCount) } },
      async () => {
        await waitUntilComplete(adapter, id, "the rescue");
      },
    );
    expect(seen).toEqual([1]);
    const job = await queueWorkerGetJob(adapter, id);
    expect(job).toMatchObject({
      isComplete: true,
      retryCount: 1,
      failedAt: null,
      lastError: LEASE_EXPIRED_ERROR,
    });
  });

  it("gives up on a job that keeps killing its worker after maxRetryCount attempts", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "killer" });
    const claim = (token: string) =>
      adapter.claim({
        leaseToken: token,
        limit: 1,
        names: ["killer"],
        maxRetryCount: 2,
        ignoreSorting: false,
        leaseMs: 150,
      });
    expect((await claim("dead:1")).jobs).toHaveLength(1);
    await delay(300);
    expect((await claim("dead:2")).jobs).toHaveLength(1); // the second attempt, also lost
    let ran = 0;
    await withWorker(
      adapter,
      { maxRetryCount: 2, leaseMs: 150, handler: { killer: async () => void ran++ } },
      async () => {
        await waitUntilComplete(adapter, id, "giving up");
      },
    );
    expect(ran).toBe(0);
    const job = await queueWorkerGetJob(adapter, id);
    expect(job).toMatchObject({ isComplete: true, retryCount: 2, lastError: LEASE_EXPIRED_ERROR });
    expect(job!.failedAt).toBeInstanceOf(Date);
  });

  it("keeps the lease of a long handler alive so no other worker takes the job over", async () => {
    const adapter = await queue();
    const other = await harness.reopen(adapter);
    const id = await queueWorkerAddJob(adapter, { name: "long" });
    let runs = 0;
    const handler = {
      long: async () => {
        runs++;
        await delay(1_500);
      },
    };
    await withWorker(adapter, { leaseMs: 300, handler }, async () => {
      await waitFor(() => runs === 1, { what: "the first run" });
      await withWorker(other, { leaseMs: 300, handler }, async () => {
        await waitUntilComplete(adapter, id, "completion");
      });
    });
    expect(runs).toBe(1);
    expect((await queueWorkerGetJob(adapter, id))!).toMatchObject({
      retryCount: 0,
      failedAt: null,
    });
  });

  it("refuses a stale worker's outcome once another worker took the job over", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "race" });
    const claim = (token: string, leaseMs: number) =>
      adapter.claim({
        leaseToken: token,
        limit: 1,
        names: ["race"],
        maxRetryCount: 5,
        ignoreSorting: false,
        leaseMs,
      });
    await claim("slow:1", 100);
    await delay(250);
    expect((await claim("fresh:1", HOUR)).jobs).toHaveLength(1);
    const base = { retryDelayMs: null, deleteOnFinish: false, cronSuccessor: null };
    const fresh = await adapter.complete([
      { ...base, id, leaseToken: "fresh:1", kind: "retry", error: "fresh failure" },
    ]);
    expect(fresh).toEqual({ recorded: [id], lost: [] });
    const stale = await adapter.complete([
      { ...base, id, leaseToken: "slow:1", kind: "succeeded", error: null },
    ]);
    expect(stale).toEqual({ recorded: [], lost: [id] });
    const job = await queueWorkerGetJob(adapter, id);
    expect(job).toMatchObject({ isComplete: false, retryCount: 2, lastError: "fresh failure" });
    expect(await adapter.heartbeat([{ id, leaseToken: "slow:1" }], HOUR)).toEqual([id]);
  });

  it("releases a lease without counting an attempt, and only for the lease holder", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "r" });
    await adapter.claim({
      leaseToken: "holder",
      limit: 1,
      names: ["r"],
      maxRetryCount: 2,
      ignoreSorting: false,
      leaseMs: HOUR,
    });
    const base = { error: null, retryDelayMs: null, deleteOnFinish: true, cronSuccessor: null };
    expect(
      await adapter.complete([{ ...base, id, leaseToken: "stranger", kind: "released" }]),
    ).toEqual({ recorded: [], lost: [id] });
    expect(
      await adapter.complete([{ ...base, id, leaseToken: "holder", kind: "released" }]),
    ).toEqual({ recorded: [id], lost: [] });
    expect(await queueWorkerGetJob(adapter, id)).toMatchObject({
      isComplete: false,
      retryCount: 0,
      lockedBy: null,
      lockedUntil: null,
      lastError: null,
      completedAt: null,
    });
    expect(await queueWorkerListJobs(adapter, { state: "pending" })).toHaveLength(1);
  });

  it("claims a batch atomically across concurrent claimers", async () => {
    const adapter = await queue();
    const other = await harness.reopen(adapter);
    await queueWorkerAddJobs(
      adapter,
      Array.from({ length: 120 }, () => ({ name: "c" })),
    );
    const claims = Array.from({ length: 12 }, (_, i) =>
      (i % 2 ? adapter : other).claim({
        leaseToken: `w:${i}`,
        limit: 15,
        names: ["c"],
        maxRetryCount: 2,
        ignoreSorting: i % 3 === 0,
        leaseMs: HOUR,
      }),
    );
    const ids = (await Promise.all(claims)).flatMap((result) => result.jobs.map((job) => job.id));
    // SKIP LOCKED may make a claim come back short while others hold rows; what is left
    // is claimable afterwards, and no job is ever in two claims.
    const rest = await adapter.claim({
      leaseToken: "w:rest",
      limit: 200,
      names: ["c"],
      maxRetryCount: 2,
      ignoreSorting: false,
      leaseMs: HOUR,
    });
    const all = [...ids, ...rest.jobs.map((job) => job.id)];
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(120);
  });
}
