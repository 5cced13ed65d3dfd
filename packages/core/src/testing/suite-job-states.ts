import { expect, it } from "vitest";
import { JOB_STATES, type JobState, jobState } from "../job-record.ts";
import type { StorageAdapter } from "../storage-adapter.ts";
import { HOUR } from "./helpers.ts";
import { claimRequest, newJob, outcome } from "./seam-fixtures.ts";
import type { SuiteContext } from "./suite-context.ts";

/** Enqueues one job named `name` and leases it (for `leaseMs`); returns its id and token. */
async function leasedJob(adapter: StorageAdapter, name: string, leaseMs = HOUR) {
  const [id] = await adapter.enqueue([newJob({ name })]);
  const claim = await adapter.claim(claimRequest({ names: [name], limit: 1, leaseMs }));
  expect(claim.jobs.map((job) => job.id)).toEqual([id]);
  return { id: id!, token: claim.jobs[0]!.lockedBy! };
}

/**
 * The job-state rules (`JOB_STATE_RULES`) are evaluated by core's `jobState()` and
 * rendered into SQL by every adapter: for a row in each state, and on the edges between
 * them, both must agree, and so must the queue counts.
 */
export function jobStatesSuite({ queue }: SuiteContext): void {
  it("agrees with jobState() in listJobs, insights and countJobsByName for every state", async () => {
    const adapter = await queue();
    const expected = new Map<number, JobState>();
    const nameOf = new Map<number, string>();
    const later = new Date(Date.now() + HOUR);

    const [pending] = await adapter.enqueue([newJob({ name: "pending" })]);
    expected.set(pending!, "pending");
    const [scheduled] = await adapter.enqueue([newJob({ name: "scheduled", scheduledAt: later })]);
    expected.set(scheduled!, "scheduled");
    expected.set((await leasedJob(adapter, "running")).id, "running");

    const done = await leasedJob(adapter, "completed");
    const failed = await leasedJob(adapter, "failed");
    const retried = await leasedJob(adapter, "retried");
    const released = await leasedJob(adapter, "released");
    await adapter.complete([
      outcome(done.id, done.token),
      outcome(failed.id, failed.token, { kind: "failed", error: "gave up" }),
      outcome(retried.id, retried.token, { kind: "retry", error: "again", retryDelayMs: HOUR }),
      outcome(released.id, released.token, { kind: "released" }),
    ]);
    expected.set(done.id, "completed");
    expected.set(failed.id, "failed");
    // A retry with a delay waits as scheduled; a released job is pending again.
    expected.set(retried.id, "scheduled");
    expected.set(released.id, "pending");

    const [cancelled] = await adapter.enqueue([newJob({ name: "cancelled", scheduledAt: later })]);
    expect(await adapter.cancelJob(cancelled!)).toEqual({ ok: true });
    expected.set(cancelled!, "cancelled");

    // A lease that ran out (its worker died) leaves `locked_by` set: pending, not running.
    const expired = await leasedJob(adapter, "expired", 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expected.set(expired.id, "pending");

    for (const id of expected.keys()) nameOf.set(id, (await adapter.getJob(id))!.name);
    const now = await adapter.now();
    for (const [id, state] of expected) {
      const job = await adapter.getJob(id);
      expect({ id, state: jobState(job!, now) }).toEqual({ id, state });
    }
    for (const state of JOB_STATES) {
      const listed = await adapter.listJobs({ state, limit: 100 });
      const ids = [...expected].filter(([, s]) => s === state).map(([id]) => id);
      expect({ state, ids: listed.map((job) => job.id) }).toEqual({
        state,
        ids: ids.sort((a, b) => b - a),
      });
    }

    const tally = (state: JobState) => [...expected.values()].filter((s) => s === state).length;
    expect(await adapter.insights()).toEqual({
      // Due and unfinished: running jobs count as pending too (the Compas queue's count).
      pendingCount: tally("pending") + tally("running"),
      scheduledCount: tally("scheduled"),
      runningCount: tally("running"),
      failedCount: tally("failed"),
    });

    // Every job has a name of its own, so each name counts one job, in its state.
    const byName = await adapter.countJobsByName({ finishedSince: null });
    const names = new Map([...expected].map(([id, state]) => [nameOf.get(id)!, state]));
    expect(byName).toEqual(
      [...names.keys()].sort().map((name) => ({
        name,
        ...Object.fromEntries(JOB_STATES.map((s) => [s, s === names.get(name) ? 1 : 0])),
      })),
    );
  });
}
