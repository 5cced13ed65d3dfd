import { expect, it } from "vitest";
import { queueWorkerAddJob } from "../add-job.ts";
import { queueWorkerGetJob } from "../read-jobs.ts";
import { delay, waitFor, waitUntilComplete, withWorker } from "./helpers.ts";
import type { SuiteContext } from "./suite-context.ts";

/** docs/queue.md §3 "Running a job": timeout precedence and hard deadlines. */
export function timeoutsSuite({ queue }: SuiteContext): void {
  /** A handler that waits for its signal or for `ms`, and reports which came first. */
  const waitOrAbort =
    (ms: number, log: string[]) => async (event: { signal: AbortSignal | undefined }) => {
      const aborted = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        event.signal!.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      log.push(aborted ? "aborted" : "finished");
      if (aborted) throw event.signal!.reason;
    };

  it("takes the timeout from the job first, then the handler entry, then the worker", async () => {
    const adapter = await queue();
    const log: Record<string, string[]> = { job: [], entry: [], worker: [], jobLong: [] };
    // job: the job's 100 ms beats the entry's 60 s
    const job = await queueWorkerAddJob(adapter, { name: "job", handlerTimeout: 100 });
    // entry: the entry's 100 ms beats the worker's 60 s
    const entry = await queueWorkerAddJob(adapter, { name: "entry" });
    // worker: no job or entry timeout, the worker's 100 ms applies
    const worker = await queueWorkerAddJob(adapter, { name: "worker" });
    // jobLong: the job's 60 s beats the entry's 100 ms, so a 400 ms handler finishes
    const jobLong = await queueWorkerAddJob(adapter, { name: "jobLong", handlerTimeout: 60_000 });
    await withWorker(
      adapter,
      {
        parallelCount: 4,
        maxRetryCount: 1,
        handlerTimeout: 100,
        handler: {
          job: { handler: waitOrAbort(5_000, log.job!), timeout: 60_000 },
          entry: { handler: waitOrAbort(5_000, log.entry!), timeout: 100 },
          worker: waitOrAbort(5_000, log.worker!),
          jobLong: { handler: waitOrAbort(400, log.jobLong!), timeout: 100 },
        },
      },
      async () => {
        await waitFor(
          async () => {
            const jobs = await Promise.all(
              [job, entry, worker, jobLong].map((id) => queueWorkerGetJob(adapter, id)),
            );
            return jobs.every((it) => it!.isComplete);
          },
          { what: "all four jobs" },
        );
      },
    );
    expect(log).toEqual({
      job: ["aborted"],
      entry: ["aborted"],
      worker: ["aborted"],
      jobLong: ["finished"],
    });
    expect((await queueWorkerGetJob(adapter, jobLong))!.failedAt).toBeNull();
    for (const id of [job, entry, worker]) {
      const record = await queueWorkerGetJob(adapter, id);
      expect(record!.failedAt).toBeInstanceOf(Date);
      expect(record!.lastError).toMatch(/timed out/);
    }
  });

  it("fails the attempt at the deadline even when the handler ignores the signal", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "stubborn", handlerTimeout: 100 });
    let handlerFinished = false;
    let recordedWhileRunning = false;
    await withWorker(
      adapter,
      {
        maxRetryCount: 1,
        handler: {
          stubborn: async () => {
            await delay(2_500);
            handlerFinished = true;
          },
        },
      },
      async () => {
        await waitUntilComplete(adapter, id, "the timeout");
        recordedWhileRunning = !handlerFinished;
      },
    );
    expect(recordedWhileRunning).toBe(true);
    expect(handlerFinished).toBe(true);
    const job = await queueWorkerGetJob(adapter, id);
    expect(job).toMatchObject({ isComplete: true, retryCount: 1 });
    expect(job!.lastError).toMatch(/timed out/);
  });

  it("does not fire a timeout longer than Node's timer limit at once", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, {
      name: "long",
      handlerTimeout: 30 * 24 * 3_600_000,
    });
    let aborted: boolean | undefined;
    await withWorker(
      adapter,
      {
        handler: {
          long: async (event) => {
            await delay(200);
            aborted = event.signal!.aborted;
          },
        },
      },
      async () => {
        await waitUntilComplete(adapter, id, "completion");
      },
    );
    expect(aborted).toBe(false);
    expect((await queueWorkerGetJob(adapter, id))!.failedAt).toBeNull();
  });
}
