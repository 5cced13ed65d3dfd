import {
  DocketError,
  queueWorkerAddJobs,
  queueWorkerGetJob,
  type StorageAdapter,
} from "@docket/core";
import type { CompleteResult, JobOutcome } from "@docket/core/adapter";
import { createMemoryAdapter, memoryLogger } from "@docket/core/testing";
import { describe, expect, it } from "vitest";
import { OutcomeRecorder, type RecordResult } from "../src/outcome-recorder.ts";

/**
 * The recorder's write paths (one `then` per batch, retries on their own path), on the
 * reference adapter with faults injected into its `complete`.
 */
async function leasedSuccesses(adapter: StorageAdapter, count: number): Promise<JobOutcome[]> {
  await queueWorkerAddJobs(
    adapter,
    Array.from({ length: count }, () => ({ name: "recorded" })),
  );
  const { jobs } = await adapter.claim({
    leaseToken: "recorder-test",
    limit: count,
    names: ["recorded"],
    maxRetryCount: 3,
    ignoreSorting: false,
    leaseMs: 60_000,
  });
  return jobs.map((job) => ({
    id: job.id,
    leaseToken: "recorder-test",
    kind: "succeeded",
    error: null,
    retryDelayMs: null,
    deleteOnFinish: false,
    cronSuccessor: null,
  }));
}

/** Records every outcome and resolves with how each ended, by id. */
function recordAll(recorder: OutcomeRecorder, outcomes: JobOutcome[]) {
  return Promise.all(
    outcomes.map(
      (outcome) =>
        new Promise<[number, RecordResult]>((resolve) =>
          recorder.record(outcome, (result) => resolve([outcome.id, result])),
        ),
    ),
  );
}

async function queue(): Promise<StorageAdapter> {
  const adapter = createMemoryAdapter();
  await adapter.migrate();
  return adapter;
}

describe("outcome recorder", () => {
  it("splits a batch that fails for good: the good outcome is recorded, the bad one dropped after three tries", async () => {
    const adapter = await queue();
    const [good, bad] = await leasedSuccesses(adapter, 2);
    if (good === undefined || bad === undefined) throw new Error("two jobs expected");
    const complete = adapter.complete.bind(adapter);
    const calls: number[][] = [];
    adapter.complete = (outcomes) => {
      calls.push(outcomes.map((outcome) => outcome.id));
      if (outcomes.some((outcome) => outcome.id === bad.id)) {
        return Promise.reject(new DocketError("invalid_argument", "cannot write this one"));
      }
      return complete(outcomes);
    };
    const logger = memoryLogger();
    const recorder = new OutcomeRecorder(adapter, logger, 60_000);
    const results = await recordAll(recorder, [good, bad]);
    await recorder.drain();

    expect(new Map(results)).toEqual(
      new Map([
        [good.id, "recorded"],
        [bad.id, "dropped"],
      ]),
    );
    // The pair once, then each alone; the bad one up to its third permanent failure.
    expect(calls).toEqual([[good.id, bad.id], [good.id], [bad.id], [bad.id], [bad.id]]);
    expect((await queueWorkerGetJob(adapter, good.id))?.isComplete).toBe(true);
    expect((await queueWorkerGetJob(adapter, bad.id))?.isComplete).toBe(false);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ type: "docket.record_failed", jobIds: [bad.id] }),
    );
  });

  it("takes a complete that throws synchronously for a failed write and retries it", async () => {
    const adapter = await queue();
    const [outcome] = await leasedSuccesses(adapter, 1);
    if (outcome === undefined) throw new Error("one job expected");
    const complete = adapter.complete.bind(adapter);
    let throws = 1;
    adapter.complete = (outcomes) => {
      if (throws > 0) {
        throws -= 1;
        throw new DocketError("connection_error", "thrown before any promise");
      }
      return complete(outcomes);
    };
    const logger = memoryLogger();
    const recorder = new OutcomeRecorder(adapter, logger, 60_000);
    expect(await recordAll(recorder, [outcome])).toEqual([[outcome.id, "recorded"]]);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ type: "docket.record_retry", jobIds: [outcome.id] }),
    );
    expect((await queueWorkerGetJob(adapter, outcome.id))?.isComplete).toBe(true);
  });

  it("writes the outcomes handed in during a write as one batch right after it", async () => {
    const adapter = await queue();
    const [first, second, third] = await leasedSuccesses(adapter, 3);
    if (first === undefined || second === undefined || third === undefined) {
      throw new Error("three jobs expected");
    }
    const complete = adapter.complete.bind(adapter);
    const calls: number[][] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    adapter.complete = async (outcomes): Promise<CompleteResult> => {
      calls.push(outcomes.map((outcome) => outcome.id));
      if (calls.length === 1) await held;
      return complete(outcomes);
    };
    const recorder = new OutcomeRecorder(adapter, memoryLogger(), 60_000);
    const firstDone = recordAll(recorder, [first]);
    recorder.flushNow();
    const laterDone = recordAll(recorder, [second, third]);
    release();
    await Promise.all([firstDone, laterDone]);
    await recorder.drain();
    expect(calls).toEqual([[first.id], [second.id, third.id]]);
  });
});
