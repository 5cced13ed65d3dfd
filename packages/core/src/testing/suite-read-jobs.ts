import { expect, it } from "vitest";
import { queueWorkerAddJob, queueWorkerAddJobs } from "../add-job.ts";
import { queueWorkerRegisterCronJobs } from "../cron-register.ts";
import { queueWorkerGetJob, queueWorkerListJobs } from "../read-jobs.ts";
import { expectDocketError, HOUR } from "./helpers.ts";
import type { SuiteContext } from "./suite-context.ts";

/** docs/queue.md §2b: reading jobs by id and listing them by name and state. */
export function readJobsSuite({ queue }: SuiteContext): void {
  it("returns null for an unknown id and rejects an invalid one", async () => {
    const adapter = await queue();
    expect(await queueWorkerGetJob(adapter, 987654321)).toBeNull();
    await expectDocketError(queueWorkerGetJob(adapter, -1), "invalid_argument", "id");
    await expectDocketError(queueWorkerGetJob(adapter, "1" as any), "invalid_argument", "id");
  });

  it("lists jobs newest first, filtered by name and limited", async () => {
    const adapter = await queue();
    const a1 = await queueWorkerAddJob(adapter, { name: "a" });
    const b1 = await queueWorkerAddJob(adapter, { name: "b" });
    const a2 = await queueWorkerAddJob(adapter, { name: "a" });
    expect((await queueWorkerListJobs(adapter)).map((job) => job.id)).toEqual([a2, b1, a1]);
    expect((await queueWorkerListJobs(adapter, { name: "a" })).map((job) => job.id)).toEqual([
      a2,
      a1,
    ]);
    expect((await queueWorkerListJobs(adapter, { limit: 1 })).map((job) => job.id)).toEqual([a2]);
  });

  it("lists jobs by state: pending, scheduled, running, completed, failed", async () => {
    const adapter = await queue();
    const pending = await queueWorkerAddJob(adapter, { name: "p" });
    const scheduled = await queueWorkerAddJob(adapter, {
      name: "s",
      scheduledAt: new Date(Date.now() + HOUR),
    });
    const running = await queueWorkerAddJob(adapter, { name: "r" });
    const completed = await queueWorkerAddJob(adapter, { name: "c" });
    const failed = await queueWorkerAddJob(adapter, { name: "f" });
    const claim = (name: string) =>
      adapter.claim({
        leaseToken: `t-${name}`,
        limit: 1,
        names: [name],
        maxRetryCount: 2,
        ignoreSorting: false,
        leaseMs: HOUR,
      });
    await claim("r");
    await claim("c");
    await claim("f");
    const base = { retryDelayMs: null, deleteOnFinish: false, cronSuccessor: null };
    await adapter.complete([
      { ...base, id: completed, leaseToken: "t-c", kind: "succeeded", error: null },
      { ...base, id: failed, leaseToken: "t-f", kind: "failed", error: "boom" },
    ]);
    const ids = async (state: "pending" | "scheduled" | "running" | "completed" | "failed") =>
      (await queueWorkerListJobs(adapter, { state })).map((job) => job.id);
    expect(await ids("pending")).toEqual([pending]);
    expect(await ids("scheduled")).toEqual([scheduled]);
    expect(await ids("running")).toEqual([running]);
    expect(await ids("completed")).toEqual([completed]);
    expect(await ids("failed")).toEqual([failed]);
    const failedJob = await queueWorkerGetJob(adapter, failed);
    expect(failedJob).toMatchObject({ isComplete: true, retryCount: 1, lastError: "boom" });
    expect(failedJob!.failedAt).toBeInstanceOf(Date);
    const completedJob = await queueWorkerGetJob(adapter, completed);
    expect(completedJob).toMatchObject({ isComplete: true, failedAt: null, lockedBy: null });
    expect(completedJob!.completedAt).toBeInstanceOf(Date);
  });

  it("rejects bad list options", async () => {
    const adapter = await queue();
    await expectDocketError(
      queueWorkerListJobs(adapter, { state: "done" as any }),
      "invalid_argument",
      "options.state",
    );
    await expectDocketError(
      queueWorkerListJobs(adapter, { limit: 0 }),
      "invalid_argument",
      "options.limit",
    );
    await expectDocketError(
      queueWorkerListJobs(adapter, { nam: "x" } as any),
      "invalid_argument",
      "options.nam",
    );
    await expectDocketError(
      queueWorkerListJobs(adapter, { beforeId: 0 }),
      "invalid_argument",
      "options.beforeId",
    );
    await expectDocketError(
      queueWorkerListJobs(adapter, { cron: "yes" as any }),
      "invalid_argument",
      "options.cron",
    );
  });

  it("pages by id with beforeId, combined with the name filter", async () => {
    const adapter = await queue();
    const ids = await queueWorkerAddJobs(
      adapter,
      ["a", "b", "a", "a", "b", "a"].map((name) => ({ name })),
    );
    const aIds = ids.filter((_, index) => [0, 2, 3, 5].includes(index)).reverse();
    const page1 = await queueWorkerListJobs(adapter, { name: "a", limit: 2 });
    expect(page1.map((job) => job.id)).toEqual(aIds.slice(0, 2));
    const page2 = await queueWorkerListJobs(adapter, {
      name: "a",
      limit: 2,
      beforeId: page1[1]!.id,
    });
    expect(page2.map((job) => job.id)).toEqual(aIds.slice(2, 4));
    const page3 = await queueWorkerListJobs(adapter, { name: "a", beforeId: page2[1]!.id });
    expect(page3).toEqual([]);
    const all = await queueWorkerListJobs(adapter, { beforeId: ids[2]! });
    expect(all.map((job) => job.id)).toEqual([ids[1], ids[0]]);
  });

  it("lists only cron rows with cron: true", async () => {
    const adapter = await queue();
    await queueWorkerAddJob(adapter, { name: "plain" });
    await queueWorkerRegisterCronJobs(adapter, {
      jobs: [{ name: "every.minute", cronExpression: "* * * * *" }],
    });
    const cronRows = await queueWorkerListJobs(adapter, { cron: true, state: "scheduled" });
    expect(cronRows.map((job) => [job.name, job.cronExpression])).toEqual([
      ["every.minute", "* * * * *"],
    ]);
    expect(await queueWorkerListJobs(adapter, { cron: true, name: "plain" })).toEqual([]);
  });
}
