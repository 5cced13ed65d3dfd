import { expect, it } from "vitest";
import {
  claimRequest,
  describePostgres,
  newJob,
  outcome,
  setupPostgres,
} from "./postgres-test-helpers.ts";

/**
 * A `complete` of plain successes and a `claim` made in the same turn of the event loop
 * share one statement (`completeAndClaimJobs`). The shared suite checks that the answers
 * are those of the two calls made one after the other; this checks the order that sharing
 * guarantees on Postgres alone: the complete lands before the claim looks.
 */
describePostgres("postgres adapter: complete and claim in one round trip", () => {
  const { harness } = setupPostgres();

  it("never hands out a job it is completing, even when its lease has expired", async () => {
    const adapter = await harness.create();
    const [a, b] = await adapter.enqueue([newJob({ priority: 1 }), newJob({ priority: 2 })]);
    const first = await adapter.claim(claimRequest({ limit: 1, leaseMs: 1 }));
    expect(first.jobs.map((job) => job.id)).toEqual([a]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const completing = adapter.complete([outcome(a!, first.jobs[0]!.lockedBy!)]);
    const claiming = adapter.claim(claimRequest({ limit: 2 }));
    const [completed, claimed] = await Promise.all([completing, claiming]);
    expect(completed).toEqual({ recorded: [a], lost: [] });
    expect(claimed.jobs.map((job) => job.id)).toEqual([b]);
  });
});
