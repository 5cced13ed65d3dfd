import type { Pool } from "mysql2/promise";
import { expect, it } from "vitest";
import {
  claimRequest,
  describeMysql,
  newJob,
  outcome,
  setupMysql,
  tableOf,
} from "./mysql-test-helpers.ts";

const HOUR = 3_600_000;

/**
 * The claim's fast path on an adapter that owns its pool: after a full claim the next
 * one goes without the priorities probe, and claims run on a kept connection with
 * autocommit off (see `KeptTransactionConnection`).
 */
describeMysql("mysql claim path", () => {
  const { sql, adapterOnUri } = setupMysql();

  it("keeps strict ordering on the claim that follows a full claim", async () => {
    const adapter = await adapterOnUri();
    const [a, b, c] = await adapter.enqueue([newJob(), newJob(), newJob()]);
    // Full (limit 1): the next claim skips the probe.
    expect((await adapter.claim(claimRequest({ limit: 1 }))).jobs.map((job) => job.id)).toEqual([
      a,
    ]);
    const [urgent, , later] = await adapter.enqueue([
      newJob({ priority: 0 }),
      newJob({ priority: 0, scheduledAt: new Date(Date.now() + HOUR) }),
      newJob({ priority: 9 }),
    ]);
    expect((await adapter.claim(claimRequest({ limit: 1 }))).jobs.map((job) => job.id)).toEqual([
      urgent,
    ]);
    // Still full, so again without the probe: the future priority-0 row is passed by.
    const rest = await adapter.claim(claimRequest({ limit: 5 }));
    expect(rest.jobs.map((job) => job.id)).toEqual([b, c, later]);
    // Not full: the next claim probes, and finds nothing due.
    expect((await adapter.claim(claimRequest({ limit: 5 }))).jobs).toEqual([]);
  });

  it("runs on a pool of one connection: the kept connection goes back to whoever waits", async () => {
    const adapter = await adapterOnUri({ poolSize: 1 });
    const [first, second] = await adapter.enqueue([newJob(), newJob()]);
    const claimed = await adapter.claim(claimRequest({ limit: 1, leaseToken: "w:1" }));
    expect(claimed.jobs.map((job) => job.id)).toEqual([first]);
    // The only connection is kept by the claim path; these must not wait for it.
    expect(await adapter.complete([outcome(first!, "w:1")])).toEqual({
      recorded: [first],
      lost: [],
    });
    const [third] = await adapter.enqueue([newJob()]);
    // Committed and visible elsewhere: the connection went back with autocommit on.
    const rows = await sql<{ id: number; is_complete: number }>(
      `SELECT id, is_complete FROM ${tableOf(adapter)} ORDER BY id`,
    );
    expect(rows.map((row) => [row.id, Number(row.is_complete)])).toEqual([
      [first, 1],
      [second, 0],
      [third, 0],
    ]);
    const next = await adapter.claim(claimRequest({ limit: 5, leaseToken: "w:2" }));
    expect(next.jobs.map((job) => job.id)).toEqual([second, third]);
    const leased = await sql<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${tableOf(adapter)} WHERE locked_by = 'w:2'`,
    );
    expect(Number(leased[0]!.n)).toBe(2);
  }, 20_000);

  it("replaces a kept connection that was killed between two claims", async () => {
    const adapter = await adapterOnUri({ poolSize: 1 });
    const pool = adapter.db as Pool;
    const [first, second] = await adapter.enqueue([newJob(), newJob()]);
    expect((await adapter.claim(claimRequest({ limit: 1 }))).jobs.map((job) => job.id)).toEqual([
      first,
    ]);
    // Waiting on the pool hands the kept connection back: learn its id, then let the
    // next claim keep it again.
    const borrowed = await pool.getConnection();
    const threadId = borrowed.threadId;
    borrowed.release();
    await adapter.claim(claimRequest({ names: ["nothing-here"] }));
    await sql(`KILL ${Number(threadId)}`);
    const after = await adapter.claim(claimRequest({ limit: 1 }));
    expect(after.jobs.map((job) => job.id)).toEqual([second]);
  }, 20_000);
});
