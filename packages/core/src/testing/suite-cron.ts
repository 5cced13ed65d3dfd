import { expect, it } from "vitest";
import { queueWorkerAddJob } from "../add-job.ts";
import { nextCronOccurrence } from "../cron.ts";
import { queueWorkerRegisterCronJobs } from "../cron-register.ts";
import type { JobRecord } from "../job-record.ts";
import { queueWorkerListJobs } from "../read-jobs.ts";
import { CRON_JOB_TYPE, type StorageAdapter } from "../storage-adapter.ts";
import { expectDocketError, waitFor, withWorker } from "./helpers.ts";
import type { SuiteContext } from "./suite-context.ts";

const pendingCron = async (adapter: StorageAdapter): Promise<JobRecord[]> =>
  (await queueWorkerListJobs(adapter, { limit: 1000 })).filter(
    (job) => !job.isComplete && job.cronExpression !== null,
  );

/** docs/queue.md §5: cron registration and rescheduling. */
export function cronSuite({ queue, harness }: SuiteContext): void {
  it("registers one pending row per cron job, due at the next occurrence, with the cron data", async () => {
    const adapter = await queue();
    const before = await adapter.now();
    await queueWorkerRegisterCronJobs(adapter, {
      jobs: [
        { name: "cron.hourly", cronExpression: "0 * * * *" },
        { name: "cron.fast", cronExpression: "*/10 * * * * *", priority: 2 },
      ],
    });
    const rows = await pendingCron(adapter);
    expect(rows.map((job) => job.name).sort()).toEqual(["cron.fast", "cron.hourly"]);
    const hourly = rows.find((job) => job.name === "cron.hourly")!;
    expect(hourly.priority).toBe(4);
    expect(hourly.cronExpression).toBe("0 * * * *");
    expect(hourly.scheduledAt.getTime()).toBe(nextCronOccurrence("0 * * * *", before).getTime());
    expect(hourly.data).toMatchObject({ jobType: CRON_JOB_TYPE, cronExpression: "0 * * * *" });
    expect(typeof (hourly.data as { cronLastCompletedAt: unknown }).cronLastCompletedAt).toBe(
      "string",
    );
    expect(rows.find((job) => job.name === "cron.fast")!.priority).toBe(2);
  });

  it("rejects an invalid expression and changes nothing", async () => {
    const adapter = await queue();
    await queueWorkerRegisterCronJobs(adapter, {
      jobs: [{ name: "keep", cronExpression: "0 1 * * *" }],
    });
    const before = await pendingCron(adapter);
    for (const cronExpression of [
      "",
      "* * * *",
      "* * * * * * *",
      "61 * * * *",
      "@daily",
      "not a cron",
    ]) {
      await expectDocketError(
        queueWorkerRegisterCronJobs(adapter, {
          jobs: [
            { name: "new", cronExpression: "* * * * *" },
            { name: "bad", cronExpression },
          ],
        }),
        "invalid_cron_expression",
        "options.jobs[1].cronExpression",
      );
    }
    await expectDocketError(
      queueWorkerRegisterCronJobs(adapter, {
        jobs: [{ name: "", cronExpression: "* * * * *" }],
      } as any),
      "invalid_argument",
      "options.jobs[0].name",
    );
    expect(await pendingCron(adapter)).toEqual(before);
  });

  it("removes unknown pending cron rows but keeps cron history and normal jobs", async () => {
    const adapter = await queue();
    await queueWorkerRegisterCronJobs(adapter, {
      jobs: [
        { name: "stays", cronExpression: "0 1 * * *" },
        { name: "goes", cronExpression: "0 2 * * *" },
      ],
    });
    const normal = await queueWorkerAddJob(adapter, { name: "goes" });
    // The normal `goes` job is running now; registration must leave it alone.
    const { jobs } = await adapter.claim({
      leaseToken: "t",
      limit: 1,
      names: ["goes"],
      maxRetryCount: 2,
      ignoreSorting: false,
      leaseMs: 60_000,
    });
    expect(jobs).toHaveLength(1); // only the normal job is due
    await queueWorkerRegisterCronJobs(adapter, {
      jobs: [{ name: "stays", cronExpression: "0 1 * * *" }],
    });
    expect((await pendingCron(adapter)).map((job) => job.name)).toEqual(["stays"]);
    const all = await queueWorkerListJobs(adapter, {});
    expect(all.find((job) => job.id === normal)).toMatchObject({
      name: "goes",
      cronExpression: null,
    });
  });

  it("leaves an unchanged definition alone and re-times a changed one", async () => {
    const adapter = await queue();
    await queueWorkerRegisterCronJobs(adapter, {
      jobs: [
        { name: "same", cronExpression: "0 1 * * *" },
        { name: "changes", cronExpression: "0 1 * * *" },
      ],
    });
    const first = await pendingCron(adapter);
    await queueWorkerRegisterCronJobs(adapter, {
      jobs: [
        { name: "same", cronExpression: "0 1 * * *" },
        { name: "changes", cronExpression: "*/5 * * * * *", priority: 1 },
      ],
    });
    const second = await pendingCron(adapter);
    const byName = (rows: JobRecord[], name: string) => rows.find((job) => job.name === name)!;
    expect(byName(second, "same")).toEqual(byName(first, "same"));
    const changed = byName(second, "changes");
    expect(changed).toMatchObject({ cronExpression: "*/5 * * * * *", priority: 1 });
    expect(changed.scheduledAt.getTime()).toBeLessThan(
      byName(first, "changes").scheduledAt.getTime(),
    );
    expect(second).toHaveLength(2);
  });

  it("ends with exactly one pending row per name when registrations race", async () => {
    const adapter = await queue();
    const others = await Promise.all([1, 2, 3, 4].map(() => harness.reopen(adapter)));
    const jobs = [
      { name: "race.a", cronExpression: "0 * * * *" },
      { name: "race.b", cronExpression: "*/30 * * * * *" },
    ];
    await Promise.all(
      [adapter, ...others, adapter].map((target) => queueWorkerRegisterCronJobs(target, { jobs })),
    );
    const rows = await pendingCron(adapter);
    expect(rows.map((job) => job.name).sort()).toEqual(["race.a", "race.b"]);
  });

  it("never touches or reschedules a normal job that shares a cron name", async () => {
    const adapter = await queue();
    const normal = await queueWorkerAddJob(adapter, {
      name: "shared",
      data: { normal: true },
      priority: 9,
    });
    await queueWorkerRegisterCronJobs(adapter, {
      jobs: [{ name: "shared", cronExpression: "0 0 1 1 *" }],
    });
    await queueWorkerRegisterCronJobs(adapter, {
      jobs: [{ name: "shared", cronExpression: "0 0 2 1 *" }],
    });
    let ran = 0;
    await withWorker(adapter, { handler: { shared: async () => void ran++ } }, async () => {
      await waitFor(
        async () => (await queueWorkerListJobs(adapter, { state: "completed" })).length === 1,
        { what: "the normal job" },
      );
    });
    const all = await queueWorkerListJobs(adapter, {});
    const normalJob = all.find((job) => job.id === normal)!;
    expect(normalJob).toMatchObject({
      data: { normal: true },
      priority: 9,
      cronExpression: null,
      isComplete: true,
    });
    expect(ran).toBe(1);
    expect(all).toHaveLength(2); // the normal job and one pending cron row; no successor for the normal job
    expect((await pendingCron(adapter)).map((job) => job.cronExpression)).toEqual(["0 0 2 1 *"]);
  });

  it("schedules the next run after a cron job completes, and after it gives up", async () => {
    const adapter = await queue();
    await queueWorkerRegisterCronJobs(adapter, {
      jobs: [
        { name: "tick", cronExpression: "* * * * * *" },
        { name: "tock", cronExpression: "* * * * * *" },
      ],
    });
    const seen: Record<string, unknown>[] = [];
    await withWorker(
      adapter,
      {
        maxRetryCount: 1,
        handler: {
          tick: async (_e, _db, job) => void seen.push(job.data as Record<string, unknown>),
          tock: async () => {
            throw new Error("always");
          },
        },
      },
      async () => {
        await waitFor(
          async () => {
            const done = await queueWorkerListJobs(adapter, { limit: 1000 });
            const finished = (name: string) =>
              done.filter((job) => job.name === name && job.isComplete).length;
            return finished("tick") >= 2 && finished("tock") >= 2;
          },
          { what: "two runs of each cron job", timeoutMs: 20_000 },
        );
      },
    );
    const rows = await pendingCron(adapter);
    expect(rows.map((job) => job.name).sort()).toEqual(["tick", "tock"]);
    expect(seen[0]).toMatchObject({ jobType: CRON_JOB_TYPE, cronExpression: "* * * * * *" });
    const failed = await queueWorkerListJobs(adapter, { name: "tock", state: "failed" });
    expect(failed.length).toBeGreaterThanOrEqual(2);
  });
}
