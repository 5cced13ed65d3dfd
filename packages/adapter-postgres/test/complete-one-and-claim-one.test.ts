import type { StorageAdapter } from "@docket/core";
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
 * One success handed to `complete` and a `claim` of one job in the same turn of the event
 * loop share `completeOneAndClaimOne` (scalar parameters, a constant limit, so Postgres
 * keeps one generic plan). Each test checks that this statement ran (by the prepared
 * statement names the pool was given) and that its answers are those of the array form.
 */
describePostgres("postgres adapter: one success and a claim of one", () => {
  const { harness, sql } = setupPostgres();

  /** Records the prepared-statement name of every query the adapter's pool runs. */
  function statementNames(adapter: StorageAdapter): string[] {
    const names: string[] = [];
    const pool = adapter.db as { query: (config: unknown, ...rest: unknown[]) => unknown };
    const query = pool.query.bind(pool);
    pool.query = (config: unknown, ...rest: unknown[]) => {
      const name = (config as { name?: unknown } | null)?.name;
      if (typeof name === "string") names.push(name);
      return query(config, ...rest);
    };
    return names;
  }

  it("records the success and leases the next job in spec order, in one statement", async () => {
    const adapter = await harness.create();
    const [a, b, c] = await adapter.enqueue([
      newJob({ priority: 1 }),
      newJob({ priority: 3 }),
      newJob({ priority: 2 }),
    ]);
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
});
