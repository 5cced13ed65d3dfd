import type { StorageAdapter } from "@docket/core";
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
 * One success handed to `complete` and a `claim` of one job in the same turn of the event
 * loop share `completeOneAndClaimOne` (scalar parameters, a constant limit, so Postgres
 * keeps one generic plan). Each test checks that this statement ran (by the prepared
 * statement names the pool was given) and that its answers are those of the array form.
 */
describePostgres("postgres adapter: one success and a claim of one", () => {
  const { harness, sql } = setupPostgres();

  it("records the success and leases the next job in spec order, in one statement", async () => {
    const adapter = await harness.create();
    const [a, b, c] = await adapter.enqueue([
      newJob({ priority: 1 }),
      newJob({ priority: 3 }),
      newJob({ priority: 2 }),
    ]);
    await sql(`ANALYZE ${quoted(adapter)}`);
    const first = await adapter.claim(claimRequest({ limit: 1 }));
    expect(first.jobs.map((job) => job.id)).toEqual([a]);
    const names = statementNames(adapter);
    for (let round = 0; round < 8; round += 1) {
      // Past Postgres's five custom plans: the kept generic plan must answer the same.
      const completing = adapter.complete([outcome(a!, first.jobs[0]!.lockedBy!)]);
      const claim = claimRequest({ limit: 1 });
      const claiming = adapter.claim(claim);
      const [completed, claimed] = await Promise.all([completing, claiming]);
      if (round === 0) {
        expect(completed).toEqual({ recorded: [a], lost: [] });
        expect(claimed.jobs.map((job) => job.id)).toEqual([c]);
        expect(claimed.jobs[0]!.lockedBy).toBe(claim.leaseToken);
        expect(claimed.now).toBeInstanceOf(Date);
      } else {
        // Completed already: the guard fails, and c and b are leased (c, then b, then none).
        expect(completed).toEqual({ recorded: [], lost: [a] });
        expect(claimed.jobs.map((job) => job.id)).toEqual(round === 1 ? [b] : []);
      }
    }
    expect(names.every((name) => name.startsWith("docket_done1_claim1_"))).toBe(true);
    expect(names).toHaveLength(8);
    const [row] = await sql<{ is_complete: boolean; locked_by: string | null }>(
      `SELECT is_complete, locked_by FROM ${quoted(adapter)} WHERE id = $1`,
      [a],
    );
    expect(row).toEqual({ is_complete: true, locked_by: null });
  });

  it("reports a stale lease token lost and still claims (unsorted claim)", async () => {
    const adapter = await harness.create();
    const [a, b] = await adapter.enqueue([newJob({ priority: 1 }), newJob({ priority: 2 })]);
    await sql(`ANALYZE ${quoted(adapter)}`);
    await adapter.claim(claimRequest({ limit: 1 }));
    const names = statementNames(adapter);
    const completing = adapter.complete([outcome(a!, "someone-else")]);
    const claiming = adapter.claim(claimRequest({ limit: 1, ignoreSorting: true }));
    const [completed, claimed] = await Promise.all([completing, claiming]);
    expect(completed).toEqual({ recorded: [], lost: [a] });
    expect(claimed.jobs.map((job) => job.id)).toEqual([b]);
    expect(names).toEqual([expect.stringMatching(/^docket_done1_claim1_any_/)]);
  });

  it("never hands out the job it is completing, even when its lease has expired", async () => {
    const adapter = await harness.create();
    const [a, b] = await adapter.enqueue([newJob({ priority: 1 }), newJob({ priority: 2 })]);
    await sql(`ANALYZE ${quoted(adapter)}`);
    const first = await adapter.claim(claimRequest({ limit: 1, leaseMs: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const names = statementNames(adapter);
    const completing = adapter.complete([outcome(a!, first.jobs[0]!.lockedBy!)]);
    const claiming = adapter.claim(claimRequest({ limit: 1 }));
    const [completed, claimed] = await Promise.all([completing, claiming]);
    expect(completed).toEqual({ recorded: [a], lost: [] });
    expect(claimed.jobs.map((job) => job.id)).toEqual([b]);
    expect(names).toEqual([expect.stringMatching(/^docket_done1_claim1_/)]);
  });

  it("finishes an exhausted job instead of leasing, as the array form does", async () => {
    const adapter = await harness.create();
    const [a, b] = await adapter.enqueue([newJob({ priority: 1 }), newJob({ priority: 2 })]);
    // b's last attempt was lost: leased long ago, lease expired, no attempt left.
    await sql(
      `UPDATE ${quoted(adapter)} SET locked_by = 'dead', retry_count = 2,
         locked_until = statement_timestamp() - interval '1 minute' WHERE id = $1`,
      [b],
    );
    await sql(`ANALYZE ${quoted(adapter)}`);
    const first = await adapter.claim(claimRequest({ limit: 1 }));
    expect(first.jobs.map((job) => job.id)).toEqual([a]);
    const names = statementNames(adapter);
    const completing = adapter.complete([outcome(a!, first.jobs[0]!.lockedBy!)]);
    const claiming = adapter.claim(claimRequest({ limit: 1 }));
    const [completed, claimed] = await Promise.all([completing, claiming]);
    expect(completed).toEqual({ recorded: [a], lost: [] });
    expect(claimed.jobs).toEqual([]);
    expect(claimed.finished).toEqual([b]);
    expect(names[0]).toMatch(/^docket_done1_claim1_/);
  });

  /** Completes `job` and claims one more in the same turn; returns the statement used. */
  async function pair(adapter: StorageAdapter, job: { id: number; lockedBy: string | null }) {
    const names = statementNames(adapter);
    const [completed, claimed] = await Promise.all([
      adapter.complete([outcome(job.id, job.lockedBy!)]),
      adapter.claim(claimRequest({ limit: 1 })),
    ]);
    expect(completed).toEqual({ recorded: [job.id], lost: [] });
    return { statement: names[0], next: claimed.jobs[0]! };
  }

  it("keeps to the array statement until the table has been analyzed", async () => {
    const adapter = await harness.create();
    await adapter.enqueue([newJob(), newJob(), newJob(), newJob()]);
    // Never analyzed: the first claim reports stale statistics.
    let job = (await adapter.claim(claimRequest({ limit: 1 }))).jobs[0]!;
    let step = await pair(adapter, job);
    expect(step.statement).toMatch(/^docket_done_claim_/);
    await sql(`ANALYZE ${quoted(adapter)}`);
    job = step.next;
    step = await pair(adapter, job);
    step = await pair(adapter, step.next);
    expect(step.statement).toMatch(/^docket_done1_claim1_/);
  });

  it("goes back to the array statement when the table has grown since its statistics", async () => {
    const adapter = await harness.create();
    await adapter.enqueue([newJob(), newJob(), newJob(), newJob()]);
    await sql(`ANALYZE ${quoted(adapter)}`);
    const job = (await adapter.claim(claimRequest({ limit: 1 }))).jobs[0]!;
    let step = await pair(adapter, job);
    expect(step.statement).toMatch(/^docket_done1_claim1_/);
    // Some 20 pages the statistics do not know of: a kept plan from the small table might
    // scan them all, so the claim after the one that sees them is planned afresh.
    await sql(
      `INSERT INTO ${quoted(adapter)} (name, scheduled_at)
       SELECT 'other', now() + interval '1 day' FROM generate_series(1, 2000)`,
    );
    step = await pair(adapter, step.next);
    expect(step.statement).toMatch(/^docket_done1_claim1_/);
    step = await pair(adapter, step.next);
    expect(step.statement).toMatch(/^docket_done_claim_/);
  });
});
