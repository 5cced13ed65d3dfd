import { expect, it } from "vitest";
import { recordSentCommands } from "./mysql-sent-commands.ts";
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
    const [first, second] = await adapter.enqueue([newJob(), newJob()]);
    // The claim's connection is the adapter's own: learn its thread id from what it sends.
    const recording = recordSentCommands();
    try {
      expect((await adapter.claim(claimRequest({ limit: 1 }))).jobs.map((job) => job.id)).toEqual([
        first,
      ]);
    } finally {
      recording.stop();
    }
    const claimThread = recording.sent.find((command) => command.sql.includes("SKIP LOCKED"));
    expect(claimThread?.threadId).toEqual(expect.any(Number));
    await sql(`KILL ${Number(claimThread!.threadId)}`);
    const after = await adapter.claim(claimRequest({ limit: 1 }));
    expect(after.jobs.map((job) => job.id)).toEqual([second]);
  }, 20_000);

  it("writes a success handed to complete in the next claim's first round trip", async () => {
    const adapter = await adapterOnUri();
    const [first, second] = await adapter.enqueue([newJob(), newJob()]);
    await adapter.claim(claimRequest({ limit: 1, leaseToken: "w:1" }));
    const recording = recordSentCommands();
    let completed: unknown;
    let claimed: Awaited<ReturnType<typeof adapter.claim>>;
    try {
      // Same turn, as the worker does: the success waits for this claim.
      [completed, claimed] = await Promise.all([
        adapter.complete([outcome(first!, "w:1")]),
        adapter.claim(claimRequest({ limit: 1, leaseToken: "w:2" })),
      ]);
    } finally {
      recording.stop();
    }
    expect(completed).toEqual({ recorded: [first], lost: [] });
    expect(claimed.jobs.map((job) => job.id)).toEqual([second]);
    // One command carried the success and the claim's SELECT, one the lease and COMMIT.
    const texts = recording.sent.map((command) => command.sql);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(
      /^UPDATE .* SET is_complete = 1.*; SELECT .* SKIP LOCKED(; SELECT (@@warning_count AS warnings, )?UTC_TIMESTAMP\(3\) AS now)?$/s,
    );
    expect(texts[1]).toMatch(/^UPDATE .* SET retry_count .*; COMMIT$/s);
    const rows = await sql<{ id: number; is_complete: number; locked_by: string }>(
      `SELECT id, is_complete, locked_by FROM ${tableOf(adapter)} ORDER BY id`,
    );
    expect(rows.map((row) => [row.id, Number(row.is_complete), row.locked_by])).toEqual([
      [first, 1, null],
      [second, 0, "w:2"],
    ]);
  }, 20_000);

  it("reports a paired success whose lease is gone as lost, and still claims", async () => {
    const adapter = await adapterOnUri();
    const [first, second] = await adapter.enqueue([newJob(), newJob()]);
    await adapter.claim(claimRequest({ limit: 1, leaseToken: "w:1" }));
    const [completed, claimed] = await Promise.all([
      adapter.complete([outcome(first!, "someone-else"), outcome(first!, "w:1")]),
      adapter.claim(claimRequest({ limit: 5, leaseToken: "w:2" })),
    ]);
    expect(completed).toEqual({ recorded: [first], lost: [first] });
    expect(claimed.jobs.map((job) => job.id)).toEqual([second]);
  }, 20_000);

  it("deletes a paired success with deleteOnFinish in the claim's transaction", async () => {
    const adapter = await adapterOnUri();
    const [first, second] = await adapter.enqueue([newJob(), newJob()]);
    await adapter.claim(claimRequest({ limit: 1, leaseToken: "w:1" }));
    const [completed, claimed] = await Promise.all([
      adapter.complete([outcome(first!, "w:1", { deleteOnFinish: true })]),
      adapter.claim(claimRequest({ limit: 1, leaseToken: "w:2" })),
    ]);
    expect(completed).toEqual({ recorded: [first], lost: [] });
    expect(claimed.jobs.map((job) => job.id)).toEqual([second]);
    const rows = await sql<{ id: number }>(`SELECT id FROM ${tableOf(adapter)} ORDER BY id`);
    expect(rows.map((row) => row.id)).toEqual([second]);
  }, 20_000);

  it("writes a success alone when no claim follows, and on close", async () => {
    const adapter = await adapterOnUri();
    const [first, second] = await adapter.enqueue([newJob(), newJob()]);
    await adapter.claim(claimRequest({ limit: 2, leaseToken: "w:1" }));
    expect(await adapter.complete([outcome(first!, "w:1")])).toEqual({
      recorded: [first],
      lost: [],
    });
    const closing = adapter.complete([outcome(second!, "w:1")]);
    await adapter.close();
    expect(await closing).toEqual({ recorded: [second], lost: [] });
    const rows = await sql<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${tableOf(adapter)} WHERE is_complete = 1`,
    );
    expect(Number(rows[0]!.n)).toBe(2);
  }, 20_000);

  it("sends names and lease tokens of any characters as literals", async () => {
    const adapter = await adapterOnUri();
    const name = "quote ' backslash \\ dq \" mark ? emoji 🚀";
    const token = "w:' OR 1=1 -- \\ ?";
    const [first, second] = await adapter.enqueue([newJob({ name }), newJob({ name })]);
    await adapter.enqueue([newJob({ name: "quote ' backslash" })]);
    const claimed = await adapter.claim(
      claimRequest({ names: [name], limit: 1, leaseToken: token }),
    );
    expect(claimed.jobs.map((job) => [job.id, job.name, job.lockedBy])).toEqual([
      [first, name, token],
    ]);
    const [completed, next] = await Promise.all([
      adapter.complete([outcome(first!, token)]),
      adapter.claim(claimRequest({ names: [name], limit: 5, leaseToken: token })),
    ]);
    expect(completed).toEqual({ recorded: [first], lost: [] });
    expect(next.jobs.map((job) => job.id)).toEqual([second]);
    const rows = await sql<{ name: string; locked_by: string }>(
      `SELECT name, locked_by FROM ${tableOf(adapter)} WHERE id = ?`,
      [second],
    );
    expect(rows).toEqual([{ name, locked_by: token }]);
  }, 20_000);
});
