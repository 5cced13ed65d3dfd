import { expect, it } from "vitest";
import {
  completeAndClaimJobs,
  completeSucceededJobs,
  heartbeatJobs,
  postgresTableNames,
} from "../src/postgres-sql.ts";
import { tableOf } from "./postgres-harness.ts";
import {
  claimRequest,
  describePostgres,
  newJob,
  outcome,
  quoted,
  setupPostgres,
} from "./postgres-test-helpers.ts";

/**
 * The batch statements find their rows by `id = ANY(ids)` (`leaseGuard` in
 * postgres-sql.ts): a primary-key index scan, never a sequential scan of the job table,
 * and a row named twice is still written once.
 */
describePostgres("postgres adapter: batch lease guard", () => {
  const { harness, sql } = setupPostgres();

  it("plans every batch statement without a sequential scan of the job table", async () => {
    const adapter = await harness.create();
    const table = quoted(adapter);
    await sql(
      `INSERT INTO ${table} (name, priority, scheduled_at)
       SELECT 'job', 5, now() - interval '1 hour' FROM generate_series(1, 3000)`,
    );
    await sql(`ANALYZE ${table}`);
    const ids = Array.from({ length: 100 }, (_, i) => i + 1);
    const tokens = ids.map(() => "tok");
    const names = postgresTableNames(null, tableOf(adapter));
    const statements: [string, unknown[]][] = [
      [
        completeAndClaimJobs(names, true),
        [["job"], 3, 100, "explain", 60_000, "lease expired", ids, tokens],
      ],
      [completeSucceededJobs(names), [ids, tokens]],
      [heartbeatJobs(names), [ids, tokens, 60_000]],
    ];
    for (const [text, values] of statements) {
      const [plan] = await sql<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
      expect(JSON.stringify(plan!["QUERY PLAN"])).not.toContain('"Seq Scan"');
    }
  });

  for (const paired of [false, true]) {
    it(`writes a row named twice once, whichever pair holds the token (${
      paired ? "with a claim" : "alone"
    })`, async () => {
      const adapter = await harness.create();
      const [a, b, c] = await adapter.enqueue([newJob(), newJob(), newJob()]);
      const claim = await adapter.claim(claimRequest({ limit: 2 }));
      const token = claim.jobs[0]!.lockedBy!;
      const completing = adapter.complete([
        outcome(a!, "stale"),
        outcome(a!, token),
        outcome(b!, token),
      ]);
      const claiming = paired ? adapter.claim(claimRequest({ limit: 1 })) : null;
      expect(await completing).toEqual({ recorded: [a, b], lost: [a] });
      if (claiming !== null) expect((await claiming).jobs.map((job) => job.id)).toEqual([c]);
      const rows = await sql<{ id: string; is_complete: boolean }>(
        `SELECT id, is_complete FROM ${quoted(adapter)} ORDER BY id`,
      );
      expect(rows.map((row) => row.is_complete)).toEqual([true, true, false]);
    });
  }

  it("extends only the leases whose token still holds", async () => {
    const adapter = await harness.create();
    const [a, b] = await adapter.enqueue([newJob(), newJob()]);
    const claim = await adapter.claim(claimRequest({ limit: 2 }));
    const token = claim.jobs[0]!.lockedBy!;
    const lost = await adapter.heartbeat(
      [
        { id: a!, leaseToken: token },
        { id: b!, leaseToken: "stale" },
      ],
      120_000,
    );
    expect(lost).toEqual([b]);
  });
});
