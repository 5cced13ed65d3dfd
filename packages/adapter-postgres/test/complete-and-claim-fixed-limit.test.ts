import { expect, it } from "vitest";
import {
  claimRequest,
  describePostgres,
  newJob,
  outcome,
  quoted,
  setupPostgres,
  statementNames,
} from "./postgres-test-helpers.ts";

/**
 * Successes handed to `complete` and a `claim` of 2–10 jobs in the same turn share
 * `completeAndClaimFixedLimit` (the limit a constant, so Postgres keeps one generic plan)
 * once the statistics are settled. Each test checks which prepared statement ran and that
 * its answers are those of the array form.
 */
describePostgres("postgres adapter: successes and a claim of a fixed limit", () => {
  const { harness, sql } = setupPostgres();

  it("records the successes and leases the next jobs in spec order, past the custom plans", async () => {
    const adapter = await harness.create();
    // Priorities descending with the id: spec order is the reverse of insertion.
    const ids = await adapter.enqueue(
      Array.from({ length: 30 }, (_, i) => newJob({ priority: 30 - i })),
    );
    const expected = [...ids].reverse();
    await sql(`ANALYZE ${quoted(adapter)}`);
    let claimed = await adapter.claim(claimRequest({ limit: 3 }));
    expect(claimed.jobs.map((job) => job.id)).toEqual(expected.slice(0, 3));
    const names = statementNames(adapter);
    for (let round = 1; round < 10; round += 1) {
      const done = claimed.jobs;
      const [completed, next] = await Promise.all([
        adapter.complete(done.map((job) => outcome(job.id, job.lockedBy!))),
        adapter.claim(claimRequest({ limit: 3 })),
      ]);
      expect(completed).toEqual({ recorded: done.map((job) => job.id), lost: [] });
      expect(next.jobs.map((job) => job.id)).toEqual(expected.slice(3 * round, 3 * round + 3));
      claimed = next;
    }
    expect(names).toHaveLength(9);
    expect(names.every((name) => /^docket_done_claim3_[^a]/.test(name))).toBe(true);
    const [row] = await sql<{ done: string }>(
      `SELECT count(*) AS done FROM ${quoted(adapter)} WHERE is_complete`,
    );
    expect(Number(row!.done)).toBe(27);
  });

  it("reports a stale lease token lost and never hands out a job it is completing (unsorted)", async () => {
    const adapter = await harness.create();
    const [a, b, c] = await adapter.enqueue([
      newJob({ priority: 1 }),
      newJob({ priority: 2 }),
      newJob({ priority: 3 }),
    ]);
    await sql(`ANALYZE ${quoted(adapter)}`);
    // a's lease expires at once: eligible again, yet it is being completed by this call.
    const first = await adapter.claim(claimRequest({ limit: 2, leaseMs: 1 }));
    expect(first.jobs.map((job) => job.id)).toEqual([a, b]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const names = statementNames(adapter);
    const [completed, claimed] = await Promise.all([
      adapter.complete([outcome(a!, first.jobs[0]!.lockedBy!), outcome(b!, "someone-else")]),
      adapter.claim(claimRequest({ limit: 2, ignoreSorting: true })),
    ]);
    expect(completed).toEqual({ recorded: [a], lost: [b] });
    // Both ids it was handed are kept out of the claim (as in the array form), though
    // their leases expired: only c is leased.
    expect(claimed.jobs.map((job) => job.id)).toEqual([c]);
    expect(names).toEqual([expect.stringMatching(/^docket_done_claim2_any_/)]);
  });

  it("keeps to the array statement for larger limits and before the table is analyzed", async () => {
    const adapter = await harness.create();
    await adapter.enqueue(Array.from({ length: 40 }, () => newJob()));
    const names = statementNames(adapter);
    let claimed = await adapter.claim(claimRequest({ limit: 2 }));
    // Never analyzed: stale statistics, so the array statement.
    const pair = async (limit: number) => {
      const done = claimed.jobs;
      const [completed, next] = await Promise.all([
        adapter.complete(done.map((job) => outcome(job.id, job.lockedBy!))),
        adapter.claim(claimRequest({ limit })),
      ]);
      expect(completed.recorded).toEqual(done.map((job) => job.id));
      claimed = next;
      return names.at(-1);
    };
    expect(await pair(2)).toMatch(/^docket_done_claim_/);
    await sql(`ANALYZE ${quoted(adapter)}`);
    await pair(2); // sees the settled statistics
    expect(await pair(2)).toMatch(/^docket_done_claim2_/);
    expect(await pair(11)).toMatch(/^docket_done_claim_/);
    expect(claimed.jobs).toHaveLength(11);
  });
});
