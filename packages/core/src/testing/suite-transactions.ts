import { expect, it } from "vitest";
import { queueWorkerAddJob } from "../add-job.ts";
import { queueWorkerGetJob, queueWorkerListJobs } from "../read-jobs.ts";
import { delay, waitFor, waitUntilComplete, withWorker } from "./helpers.ts";
import type { SuiteContext } from "./suite-context.ts";

/** docs/queue.md §2 transactional enqueue and §3 transactional handlers. */
export function transactionsSuite({ queue, harness }: SuiteContext): void {
  it("adds a job on the application's transaction only if it commits", async () => {
    const adapter = await queue();
    await harness.inNativeTransaction(
      adapter,
      (bound) => queueWorkerAddJob(bound, { name: "rolled.back" }),
      {
        rollback: true,
      },
    );
    expect(await queueWorkerListJobs(adapter, {})).toEqual([]);
    let id = 0;
    await harness.inNativeTransaction(
      adapter,
      async (bound) => {
        id = await queueWorkerAddJob(bound, { name: "committed", data: { ok: true } });
      },
      { rollback: false },
    );
    expect(await queueWorkerGetJob(adapter, id)).toMatchObject({
      name: "committed",
      data: { ok: true },
    });
  });

  it("runs a job enqueued on a committed transaction", async () => {
    const adapter = await queue();
    let ran = 0;
    await withWorker(adapter, { handler: { tx: async () => void ran++ } }, async () => {
      await harness.inNativeTransaction(
        adapter,
        (bound) => queueWorkerAddJob(bound, { name: "tx" }),
        { rollback: false },
      );
      await waitFor(() => ran === 1, { what: "the job" });
    });
  });

  it("commits a transactional handler's writes together with the job's completion", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "tx.ok" });
    await withWorker(
      adapter,
      {
        handler: {
          "tx.ok": {
            transactional: true,
            handler: async (_event, db) => harness.writeMarker(adapter, db, "ok"),
          },
        },
      },
      async () => {
        await waitUntilComplete(adapter, id, "completion");
      },
    );
    expect(await harness.countMarkers(adapter, "ok")).toBe(1);
    expect((await queueWorkerGetJob(adapter, id))!.failedAt).toBeNull();
  });

  it("rolls a failing transactional handler's writes back and records the failure", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "tx.bad" });
    let attempts = 0;
    await withWorker(
      adapter,
      {
        handler: {
          "tx.bad": {
            transactional: true,
            handler: async (_event, db) => {
              attempts++;
              await harness.writeMarker(adapter, db, "bad");
              throw new Error("roll me back");
            },
          },
        },
      },
      async () => {
        await waitUntilComplete(adapter, id, "giving up");
      },
    );
    expect(attempts).toBe(2);
    expect(await harness.countMarkers(adapter, "bad")).toBe(0);
    expect(await queueWorkerGetJob(adapter, id)).toMatchObject({ retryCount: 2, isComplete: true });
  });

  it("does not hold a transaction open for default handlers", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "plain" });
    let sawOwnWrite = false;
    await withWorker(
      adapter,
      {
        handler: {
          plain: async (_event, db) => {
            await harness.writeMarker(adapter, db, "plain");
            // Another connection sees the write at once: it was not inside a held transaction.
            sawOwnWrite = (await harness.countMarkers(adapter, "plain")) === 1;
            await delay(10);
            throw new Error("fail after writing");
          },
        },
        maxRetryCount: 1,
      },
      async () => {
        await waitUntilComplete(adapter, id, "failure");
      },
    );
    expect(sawOwnWrite).toBe(true);
    expect(await harness.countMarkers(adapter, "plain")).toBe(1);
  });
}
