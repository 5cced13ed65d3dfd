import mysql from "mysql2/promise";
import { expect, it } from "vitest";
import { ROWS_EXAMINED_MARGIN } from "../src/mysql-bounded-walk.ts";
import { selectClaimable } from "../src/mysql-sql.ts";
import { mysqlUrl } from "./mysql-database.ts";
import { recordSentCommands } from "./mysql-sent-commands.ts";
import { claimRequest, describeMysql, newJob, setupMysql, tableOf } from "./mysql-test-helpers.ts";

const DAY = 86_400_000;

/** The commands one claim sends on the claim pool (without the new connection's setup). */
async function claimRecorded(
  adapter: Awaited<ReturnType<ReturnType<typeof setupMysql>["adapterOnUri"]>>,
  limit: number,
) {
  const recording = recordSentCommands();
  try {
    const claimed = await adapter.claim(claimRequest({ limit }));
    return {
      ids: claimed.jobs.map((job) => job.id),
      texts: recording.sent
        .map((command) => command.sql)
        .filter((text) => text !== "SET autocommit = 0"),
    };
  } finally {
    recording.stop();
  }
}

/**
 * After a full claim whose walk started in due rows, the next claim skips the priorities
 * probe and walks the claim index without the list, bounded by MariaDB's
 * `LIMIT … ROWS EXAMINED`; a walk cut short is replaced, in the same transaction, by the
 * folded probe and the listed SELECT (`claimBatched`).
 */
describeMysql("mysql bounded walk without the probe", () => {
  const { sql, exec, adapterOnUri } = setupMysql();

  it("skips the probe after a full claim and still claims a higher priority that arrived in between first", async () => {
    const adapter = await adapterOnUri();
    // Priority 5: future rows (as on the bench's deep table) behind 12 due rows.
    await adapter.enqueue(
      Array.from({ length: 20 }, () =>
        newJob({ priority: 5, scheduledAt: new Date(Date.now() + DAY) }),
      ),
    );
    const due = await adapter.enqueue(Array.from({ length: 12 }, () => newJob({ priority: 5 })));
    // First claim: the folded probe (the table has future rows), full.
    const first = await claimRecorded(adapter, 4);
    expect(first.ids).toEqual(due.slice(0, 4));
    expect(first.texts[0]).toMatch(/^SELECT probed\.docket_now/);
    // A job of a higher priority (lower number) arrives between two claims.
    const [urgent] = await adapter.enqueue([newJob({ priority: 1 })]);
    const second = await claimRecorded(adapter, 4);
    // No probe: the bounded walk, its warning count and the clock; then lease + COMMIT.
    expect(second.texts).toHaveLength(2);
    expect(second.texts[0]).toMatch(
      /^SELECT id, .* ORDER BY priority, scheduled_at, id LIMIT 4 ROWS EXAMINED \d+ FOR UPDATE SKIP LOCKED; SELECT @@warning_count AS warnings, UTC_TIMESTAMP\(3\) AS now$/s,
    );
    expect(second.texts[0]).not.toMatch(/probed|@docket_due/);
    expect(second.texts[1]).toMatch(/^UPDATE .* SET retry_count .*; COMMIT$/s);
    // Strict order: the new higher priority first, then priority 5 where the last claim stopped.
    expect(second.ids).toEqual([urgent, ...due.slice(4, 7)]);
    // Full again: the next claim walks too, and takes the next due rows in order.
    const third = await claimRecorded(adapter, 4);
    expect(third.texts[0]).toMatch(/ROWS EXAMINED/);
    expect(third.ids).toEqual(due.slice(7, 11));
  });

  it("falls back to the probe in the same transaction when the walk is cut short", async () => {
    const adapter = await adapterOnUri();
    // Priority 0: one due row, then more future rows than the walk may examine;
    // priority 3: due rows the walk cannot reach.
    const [head] = await adapter.enqueue([newJob({ priority: 0 })]);
    const future = new Date(Date.now() + DAY);
    for (let done = 0; done < ROWS_EXAMINED_MARGIN + 200; done += 500) {
      await adapter.enqueue(
        Array.from({ length: 500 }, () => newJob({ priority: 0, scheduledAt: future })),
      );
    }
    const behind = await adapter.enqueue(Array.from({ length: 12 }, () => newJob({ priority: 3 })));
    // Folded probe: priority 0 (the lowest) is due, so the full claim lets the next walk.
    const first = await claimRecorded(adapter, 4);
    expect(first.ids).toEqual([head, ...behind.slice(0, 3)]);
    const second = await claimRecorded(adapter, 4);
    expect(second.texts).toHaveLength(3);
    expect(second.texts[0]).toMatch(/ROWS EXAMINED .*; SELECT @@warning_count AS warnings/s);
    expect(second.texts[1]).toMatch(
      /^SELECT probed\.docket_now.*; SELECT .*@docket_due.* SKIP LOCKED$/s,
    );
    expect(second.texts[2]).toMatch(/^UPDATE .* SET retry_count .*; COMMIT$/s);
    expect(second.ids).toEqual(behind.slice(3, 7));
    // The cut walk's locks went with its transaction; no future row was leased.
    const leasedFuture = await sql<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${tableOf(adapter)} WHERE scheduled_at > UTC_TIMESTAMP(3) AND locked_by IS NOT NULL`,
    );
    expect(Number(leasedFuture[0]!.n)).toBe(0);
    // After a cut walk the claims probe (folded) instead of walking again, while full.
    const third = await claimRecorded(adapter, 4);
    expect(third.texts).toHaveLength(2);
    expect(third.texts[0]).toMatch(/^SELECT probed\.docket_now/);
    expect(third.ids).toEqual(behind.slice(7, 11));
    const fourth = await claimRecorded(adapter, 4);
    expect(fourth.texts[0]).toMatch(/^SELECT probed\.docket_now/);
    expect(fourth.ids).toEqual(behind.slice(11));
  });

  it("keeps probing while the lowest priority has only future rows (a walk would start in them)", async () => {
    const adapter = await adapterOnUri();
    await adapter.enqueue(
      Array.from({ length: 3 }, () =>
        newJob({ priority: 0, scheduledAt: new Date(Date.now() + DAY) }),
      ),
    );
    const due = await adapter.enqueue(Array.from({ length: 8 }, () => newJob({ priority: 5 })));
    expect((await claimRecorded(adapter, 4)).ids).toEqual(due.slice(0, 4));
    const second = await claimRecorded(adapter, 4);
    expect(second.texts[0]).toMatch(/^SELECT probed\.docket_now/);
    expect(second.texts[0]).not.toMatch(/ROWS EXAMINED/);
    expect(second.ids).toEqual(due.slice(4));
  });

  it("takes a short walk that was not cut as it is: the due rows ran out", async () => {
    const adapter = await adapterOnUri();
    const due = await adapter.enqueue(Array.from({ length: 6 }, () => newJob({ priority: 2 })));
    expect((await claimRecorded(adapter, 4)).ids).toEqual(due.slice(0, 4));
    const second = await claimRecorded(adapter, 4);
    expect(second.texts).toHaveLength(2);
    expect(second.texts[0]).toMatch(/ROWS EXAMINED/);
    expect(second.ids).toEqual(due.slice(4));
  });

  it("walks the claim index in order and stops at the LIMIT while claims are full (ANALYZE FORMAT=JSON)", async () => {
    const adapter = await adapterOnUri();
    const t = tableOf(adapter);
    const columns = "(name, data, priority, scheduled_at, is_complete, created_at, updated_at)";
    // As on the bench's deep table: finished rows and future rows of the same priority
    // around the due rows in the claim index.
    for (const [complete, when] of [
      [1, "UTC_TIMESTAMP(3) - INTERVAL 1 DAY"],
      [0, "UTC_TIMESTAMP(3) + INTERVAL 1 DAY"],
    ] as const) {
      await exec(
        `INSERT INTO ${t} ${columns} VALUES ${Array.from(
          { length: 2000 },
          () => `('job', '{}', 5, ${when}, ${complete}, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
        ).join(", ")}`,
      );
    }
    await adapter.enqueue(Array.from({ length: 50 }, () => newJob({ priority: 5 })));
    await exec(`ANALYZE TABLE ${t}`);
    const connection = await mysql.createConnection({ uri: await mysqlUrl() });
    try {
      await connection.query("START TRANSACTION");
      const [rows] = await connection.query(
        `ANALYZE FORMAT=JSON ${selectClaimable(t, 1, null, true, 10)}`,
        [25, "job", 10],
      );
      await connection.query("ROLLBACK");
      const plan = JSON.stringify(JSON.parse((rows as { ANALYZE: string }[])[0]!.ANALYZE));
      // A range on the claim index read in its order (no filesort), 10 rows for LIMIT 10.
      expect(plan).toMatch(/"key": ?"[^"]*_claim_idx"/);
      expect(plan).not.toMatch(/filesort/);
      expect(Number(/"r_rows": ?([\d.]+)/.exec(plan)![1])).toBe(10);
    } finally {
      await connection.end();
    }
  });
});
