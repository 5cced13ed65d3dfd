import { expect, it } from "vitest";
import { nextCronOccurrence } from "../cron.ts";
import { queueWorkerGetJob, queueWorkerListJobs } from "../read-jobs.ts";
import { CRON_JOB_TYPE, LEASE_EXPIRED_ERROR, type StorageAdapter } from "../storage-adapter.ts";
import { HOUR, waitUntilComplete, withWorker } from "./helpers.ts";
import { claimRequest, newJob, outcome } from "./seam-fixtures.ts";
import { claimAndDie, leaseExpired, SHORT_LEASE_MS } from "./seam-leases.ts";
import type { SuiteContext } from "./suite-context.ts";

/** A due cron row for `name`, written the way registration writes it. */
async function dueCronJob(adapter: StorageAdapter, name: string, cronExpression: string) {
  const now = await adapter.now();
  await adapter.syncCron([
    {
      name,
      cronExpression,
      priority: 4,
      nextRunAt: new Date(now.getTime() - 60_000),
      dataJson: JSON.stringify({ jobType: CRON_JOB_TYPE, cronExpression }),
    },
  ]);
  const [row] = await adapter.listJobs({ name, limit: 10 });
  return row!;
}

/**
 * docs/queue.md §3/§7: no sequence of crashes leaves a job that is neither runnable nor finished.
 * The stranded-job sequence, driven through the seam: a worker dies mid-job; another
 * worker's claim takes the job over and counts the lost attempt, which exhausts its
 * attempts; that worker dies too before recording anything.
 */
export function expiredLeasesSuite({ queue, harness }: SuiteContext): void {
  for (const ignoreSorting of [false, true]) {
    it(`finishes a job as failed in the claim that takes over its last attempt${ignoreSorting ? " (unsorted claim)" : ""}`, async () => {
      const adapter = await queue();
      const names = ["strand"];
      const [id] = await adapter.enqueue([newJob({ name: "strand" })]);
      const claim = (leaseToken: string, leaseMs = HOUR) =>
        adapter.claim(
          claimRequest({ names, leaseToken, leaseMs, maxRetryCount: 2, ignoreSorting }),
        );
      await claimAndDie(adapter, id!, { names, leaseToken: "dead:1", maxRetryCount: 2 });
      // The first takeover still has an attempt left: the job is leased and handed out.
      const second = await claim("dead:2", SHORT_LEASE_MS);
      expect(second.jobs.map((job) => [job.id, job.retryCount])).toEqual([[id, 1]]);
      await leaseExpired(adapter, id!);

      // The counting claim; then its worker "crashes": nothing is ever recorded.
      const third = await claim("crashing:1");

      const job = (await queueWorkerGetJob(adapter, id!))!;
      expect(job).toMatchObject({
        isComplete: true,
        retryCount: 2,
        lastError: LEASE_EXPIRED_ERROR,
        lockedBy: null,
        lockedUntil: null,
      });
      expect(job.failedAt).toBeInstanceOf(Date);
      expect(job.completedAt).toEqual(job.failedAt);
      expect(third.jobs).toEqual([]);
      expect(third.finished).toEqual([id]);
      expect(second.finished).toEqual([]);
      expect((await queueWorkerListJobs(adapter, { state: "failed" })).map((j) => j.id)).toEqual([
        id,
      ]);
      expect(await adapter.insights()).toMatchObject({ pendingCount: 0, failedCount: 1 });
      expect((await claim("later:1")).jobs).toEqual([]);
    });
  }

  it("deletes such a job instead with deleteOnFinish", async () => {
    const adapter = await queue();
    const [id] = await adapter.enqueue([newJob()]);
    await claimAndDie(adapter, id!, { leaseToken: "dead:1", maxRetryCount: 1 });
    const { jobs, finished } = await adapter.claim(
      claimRequest({ leaseToken: "crashing:1", maxRetryCount: 1, deleteOnFinish: true }),
    );
    expect(await adapter.getJob(id!)).toBeNull();
    expect(jobs).toEqual([]);
    expect(finished).toEqual([id]);
  });

  for (const deleteOnFinish of [false, true]) {
    it(`schedules a finished cron job's successor at its next occurrence${deleteOnFinish ? " (deleteOnFinish)" : ""}`, async () => {
      const adapter = await queue();
      const expression = "0 0 1 1 *";
      const row = await dueCronJob(adapter, "yearly", expression);
      const names = ["yearly"];
      await claimAndDie(adapter, row.id, { names, leaseToken: "dead:1", maxRetryCount: 1 });
      const before = await adapter.now();
      const { finished } = await adapter.claim(
        claimRequest({ names, leaseToken: "crashing:1", maxRetryCount: 1, deleteOnFinish }),
      );
      const after = await adapter.now();
      expect(finished).toEqual([row.id]);

      const original = await adapter.getJob(row.id);
      if (deleteOnFinish) expect(original).toBeNull();
      else expect(original).toMatchObject({ isComplete: true, lastError: LEASE_EXPIRED_ERROR });
      const pending = await queueWorkerListJobs(adapter, { name: "yearly", state: "scheduled" });
      expect(pending).toHaveLength(1);
      const successor = pending[0]!;
      expect(successor.id).not.toBe(row.id);
      expect(successor).toMatchObject({ cronExpression: expression, priority: 4, retryCount: 0 });
      expect(successor.data).toMatchObject({ jobType: CRON_JOB_TYPE, cronExpression: expression });
      // The next occurrence after the claim's clock (the same for any instant in between,
      // unless the claim straddled midnight of January 1st).
      expect([
        nextCronOccurrence(expression, before).getTime(),
        nextCronOccurrence(expression, after).getTime(),
      ]).toContain(successor.scheduledAt.getTime());
    });
  }

  it("finishes a row an older version stranded (attempts exhausted, lease expired), without counting again", async () => {
    const adapter = await queue();
    const [id] = await adapter.enqueue([newJob()]);
    // Three claims, each dying, with room for three attempts: the row ends with
    // retryCount 2 and an expired lease — what an older version left behind when a
    // worker counted the last attempt of a job with maxRetryCount 2 and died.
    for (const token of ["dead:1", "dead:2", "dead:3"]) {
      await claimAndDie(adapter, id!, { leaseToken: token, maxRetryCount: 3 });
    }
    expect(await adapter.getJob(id!)).toMatchObject({
      isComplete: false,
      retryCount: 2,
      lockedBy: "dead:3",
    });

    const { jobs, finished } = await adapter.claim(
      claimRequest({ leaseToken: "w:1", maxRetryCount: 2 }),
    );
    expect(jobs).toEqual([]);
    expect(finished).toEqual([id]);
    const job = (await adapter.getJob(id!))!;
    expect(job).toMatchObject({
      isComplete: true,
      retryCount: 2,
      lastError: LEASE_EXPIRED_ERROR,
      lockedBy: null,
    });
    expect(job.failedAt).toBeInstanceOf(Date);
  });

  it("repairs a stranded row on a running worker's next claim", async () => {
    const adapter = await queue();
    const [stranded, fresh] = await adapter.enqueue([newJob(), newJob()]);
    await claimAndDie(adapter, stranded!, { leaseToken: "dead:1", maxRetryCount: 3, limit: 1 });
    await claimAndDie(adapter, stranded!, { leaseToken: "dead:2", maxRetryCount: 3, limit: 1 });
    const ran: number[] = [];
    await withWorker(
      adapter,
      { maxRetryCount: 1, handler: { job: async (_e, _db, job) => void ran.push(job.id) } },
      async () => {
        await waitUntilComplete(adapter, stranded!, "the repair");
        await waitUntilComplete(adapter, fresh!, "the other job");
      },
    );
    expect(ran).toEqual([fresh]);
    expect(await adapter.getJob(stranded!)).toMatchObject({
      isComplete: true,
      retryCount: 1,
      lastError: LEASE_EXPIRED_ERROR,
    });
    expect((await adapter.getJob(stranded!))!.failedAt).toBeInstanceOf(Date);
  });

  it("leaves a job with exhausted attempts and no lease alone", async () => {
    const adapter = await queue();
    const [id] = await adapter.enqueue([newJob()]);
    for (const token of ["w:1", "w:2"]) {
      await adapter.claim(claimRequest({ leaseToken: token, maxRetryCount: 5 }));
      await adapter.complete([outcome(id!, token, { kind: "retry", error: "boom" })]);
    }
    const { jobs, finished } = await adapter.claim(claimRequest({ maxRetryCount: 2 }));
    expect(jobs).toEqual([]);
    expect(finished).toEqual([]);
    expect(await adapter.getJob(id!)).toMatchObject({
      isComplete: false,
      retryCount: 2,
      lastError: "boom",
      lockedBy: null,
    });
  });

  it("finishes an exhausted cron job once when many claims race for it", async () => {
    const adapter = await queue();
    const other = await harness.reopen(adapter);
    const row = await dueCronJob(adapter, "raced", "0 0 1 1 *");
    const names = ["raced"];
    await claimAndDie(adapter, row.id, { names, leaseToken: "dead:1", maxRetryCount: 1 });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? adapter : other).claim(
          claimRequest({ names, leaseToken: `racer:${i}`, maxRetryCount: 1 }),
        ),
      ),
    );
    expect(results.flatMap((result) => result.finished)).toEqual([row.id]);
    expect(results.flatMap((result) => result.jobs)).toEqual([]);
    const rows = await adapter.listJobs({ name: "raced", limit: 10 });
    expect(rows.filter((job) => !job.isComplete)).toHaveLength(1);
    expect(rows.filter((job) => job.isComplete)).toHaveLength(1);
  });
}
