import mysql from "mysql2/promise";
import { expect, it } from "vitest";
import { foldedProbe } from "../src/mysql-folded-probe.ts";
import { MAX_CLAIM_PRIORITIES, selectClaimable } from "../src/mysql-sql.ts";
import { mysqlUrl } from "./mysql-database.ts";
import { recordSentCommands } from "./mysql-sent-commands.ts";
import { claimRequest, describeMysql, newJob, setupMysql, tableOf } from "./mysql-test-helpers.ts";

const DAY = 86_400_000;

/**
 * On a table with future-scheduled rows the priorities probe rides in the claim's first
 * command (`foldedProbe`): its user variables bound the claim's SELECT to the due rows,
 * in strict priority order, with no round trip of its own.
 */
describeMysql("mysql folded priorities probe", () => {
  const { sql, exec, adapterOnUri } = setupMysql();

  it("sends the probe with the claim's SELECT: two commands per claim, strict order kept", async () => {
    const adapter = await adapterOnUri();
    const future = new Date(Date.now() + DAY);
    await adapter.enqueue([
      newJob({ priority: 0, scheduledAt: future }),
      newJob({ priority: 5, scheduledAt: future }),
    ]);
    const [late, early, urgent] = await adapter.enqueue([
      newJob({ priority: 7 }),
      newJob({ priority: 5 }),
      newJob({ priority: 1 }),
    ]);
    const recording = recordSentCommands();
    let claimed: Awaited<ReturnType<typeof adapter.claim>>;
    try {
      claimed = await adapter.claim(claimRequest({ limit: 2 }));
    } finally {
      recording.stop();
    }
    expect(claimed.jobs.map((job) => job.id)).toEqual([urgent, early]);
    // The claim pool's new connection turns autocommit off once; then two commands.
    const texts = recording.sent
      .map((command) => command.sql)
      .filter((text) => text !== "SET autocommit = 0");
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^SELECT probed\.docket_now.*; SELECT .*@docket_due.* SKIP LOCKED$/s);
    expect(texts[1]).toMatch(/^UPDATE .* SET retry_count .*; COMMIT$/s);
    // Not full, and the future rows are never taken.
    const rest = await adapter.claim(claimRequest({ limit: 5 }));
    expect(rest.jobs.map((job) => job.id)).toEqual([late]);
  });

  it("claims every due priority in order when there are more than the probe's slots", async () => {
    const adapter = await adapterOnUri();
    const future = new Date(Date.now() + DAY);
    const priorities = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    // Each priority: a future row first (lower id), then two due rows.
    await adapter.enqueue(priorities.map((priority) => newJob({ priority, scheduledAt: future })));
    const due: number[] = [];
    for (const priority of priorities) {
      due.push(...(await adapter.enqueue([newJob({ priority }), newJob({ priority })])));
    }
    // The first claim has 4 slots (one due priority known): the rest is the open range.
    const first = await adapter.claim(claimRequest({ limit: 11 }));
    expect(first.jobs.map((job) => job.id)).toEqual(due.slice(0, 11));
    // Now sized from the probe's count (9 → 16 slots).
    const second = await adapter.claim(claimRequest({ limit: 20 }));
    expect(second.jobs.map((job) => job.id)).toEqual(due.slice(11));
    const leasedFuture = await sql<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${tableOf(adapter)} WHERE scheduled_at > UTC_TIMESTAMP(3) AND locked_by IS NOT NULL`,
    );
    expect(Number(leasedFuture[0]!.n)).toBe(0);
  });

  it("answers an idle queue with the probe alone after an empty claim", async () => {
    const adapter = await adapterOnUri();
    await adapter.enqueue([newJob({ scheduledAt: new Date(Date.now() + DAY) })]);
    expect((await adapter.claim(claimRequest({ limit: 5 }))).jobs).toEqual([]);
    const recording = recordSentCommands();
    try {
      expect((await adapter.claim(claimRequest({ limit: 5 }))).jobs).toEqual([]);
    } finally {
      recording.stop();
    }
    expect(recording.sent.map((command) => command.sql)).toEqual([
      expect.stringMatching(/^SELECT clock\.docket_now/),
    ]);
    // A due job arrives: the separate probe finds it, and the claim takes it.
    const [ready] = await adapter.enqueue([newJob({ priority: 9 })]);
    expect((await adapter.claim(claimRequest({ limit: 5 }))).jobs.map((job) => job.id)).toEqual([
      ready,
    ]);
  });

  it("bounds the claim's walk to the due rows (ANALYZE FORMAT=JSON)", async () => {
    const adapter = await adapterOnUri();
    const t = tableOf(adapter);
    const columns = "(name, data, priority, scheduled_at, is_complete, created_at, updated_at)";
    // 2,000 future rows in priority 5, ahead of which 20 due rows sit in the index.
    for (let chunk = 0; chunk < 2; chunk++) {
      await exec(
        `INSERT INTO ${t} ${columns} VALUES ${Array.from(
          { length: 1000 },
          () =>
            "('job', '{}', 5, UTC_TIMESTAMP(3) + INTERVAL 1 DAY, 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
        ).join(", ")}`,
      );
    }
    await adapter.enqueue(Array.from({ length: 20 }, () => newJob({ priority: 5 })));
    await exec(`ANALYZE TABLE ${t}`);
    const connection = await mysql.createConnection({ uri: await mysqlUrl() });
    try {
      await connection.query(foldedProbe(t, 4, MAX_CLAIM_PRIORITIES));
      await connection.query("START TRANSACTION");
      const [rows] = await connection.query(
        `ANALYZE FORMAT=JSON ${selectClaimable(t, 1, { foldedSlots: 4 }, true)}`,
        [25, "job", 50],
      );
      await connection.query("ROLLBACK");
      const plan = JSON.parse((rows as { ANALYZE: string }[])[0]!.ANALYZE);
      const table = JSON.stringify(plan);
      // Only the 20 due rows are read: the future rows of the same priority are not walked.
      expect(table).toMatch(/"key": ?"[^"]*_claim_idx"/);
      expect(Number(/"r_rows": ?([\d.]+)/.exec(table)![1])).toBe(20);
    } finally {
      await connection.end();
    }
  });
});
