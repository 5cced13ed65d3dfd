import { expect, it } from "vitest";
import {
  claimRequest,
  describePostgres,
  newJob,
  outcome,
  quoted,
  setupPostgres,
} from "./postgres-test-helpers.ts";

/**
 * A `complete` of plain successes and a `claim` made in the same turn of the event loop
 * share one statement (`completeAndClaimJobs`): these check that the guard, the order and
 * the results are exactly those of the two calls made one after the other.
 */
describePostgres("postgres adapter: complete and claim in one round trip", () => {
  const { harness, sql } = setupPostgres();

  it("records the winners, reports the stale token lost and claims the next jobs in order", async () => {
    const adapter = await harness.create();
    const [a, b, c, d] = await adapter.enqueue([
      newJob({ priority: 1 }),
      newJob({ priority: 2 }),
      newJob({ priority: 3 }),
      newJob({ priority: 4 }),
    ]);
    const first = await adapter.claim(claimRequest({ limit: 2 }));
    expect(first.jobs.map((job) => job.id)).toEqual([a, b]);
    const token = first.jobs[0]!.lockedBy!;
    // Same turn: the complete waits for the claim and rides along with it.
    const completing = adapter.complete([outcome(a!, token), outcome(b!, "someone-else")]);
    const claiming = adapter.claim(claimRequest({ limit: 1 }));
    const [completed, claimed] = await Promise.all([completing, claiming]);
    expect(completed).toEqual({ recorded: [a], lost: [b] });
    // b is still leased (its real owner has not finished): the claim passes it by.
    expect(claimed.jobs.map((job) => job.id)).toEqual([c]);
    const rows = await sql<{ id: string; is_complete: boolean; locked_by: string | null }>(
      `SELECT id, is_complete, locked_by FROM ${quoted(adapter)} ORDER BY id`,
    );
    expect(rows.map((row) => [Number(row.id), row.is_complete, row.locked_by !== null])).toEqual([
      [a, true, false],
      [b, false, true],
      [c, false, true],
      [d, false, false],
    ]);
    await adapter.close();
  });

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
    await adapter.close();
  });

  it("writes a complete alone when no claim comes in the same turn", async () => {
    const adapter = await harness.create();
    const [a] = await adapter.enqueue([newJob()]);
    const first = await adapter.claim(claimRequest({ limit: 1 }));
    expect(await adapter.complete([outcome(a!, first.jobs[0]!.lockedBy!)])).toEqual({
      recorded: [a],
      lost: [],
    });
    const [row] = await sql<{ is_complete: boolean }>(
      `SELECT is_complete FROM ${quoted(adapter)} WHERE id = $1`,
      [a],
    );
    expect(row?.is_complete).toBe(true);
    await adapter.close();
  });
});
