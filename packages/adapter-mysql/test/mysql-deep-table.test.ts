import type { Pool, PoolConnection } from "mysql2/promise";
import { expect, it } from "vitest";
import {
  extendLeases,
  lockOutcomeRows,
  selectClaimable,
  selectPriorities,
} from "../src/mysql-sql.ts";
import { claimRequest, describeMysql, newJob, setupMysql, tableOf } from "./mysql-test-helpers.ts";

const HISTORY_ROWS = 150_000;
const FUTURE_ROWS = 150_000;

/** Ten digits cross-joined: 0..999999, portable to MySQL 8 and MariaDB (no sequence engine). */
const NUMBERS =
  "(SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * g.d AS n FROM " +
  ["a", "b", "c", "e", "f", "g"]
    .map(
      (alias) =>
        `(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) ${alias}`,
    )
    .join(" CROSS JOIN ") +
  ") numbers";

/**
 * The claim must stay cheap when finished history and future-scheduled jobs pile up:
 * it walks the claim index `(is_complete, priority, scheduled_at, id)` over the due part
 * of each priority only, and stops after `limit` matches.
 */
describeMysql("mysql claim on a deep table", () => {
  const { harness, sql, exec } = setupMysql();

  it("uses the claim index and reads only a handful of rows with 300,000 finished and future rows", async () => {
    const adapter = await harness.create();
    const t = tableOf(adapter);
    const columns =
      "(name, data, priority, scheduled_at, retry_count, is_complete, created_at, updated_at, completed_at)";
    await exec(
      `INSERT INTO ${t} ${columns} SELECT 'job', '{}', 5, UTC_TIMESTAMP(3) - INTERVAL 2 DAY, 0, 1, ` +
        `UTC_TIMESTAMP(3) - INTERVAL 2 DAY, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) - INTERVAL 1 DAY FROM ${NUMBERS} WHERE n < ?`,
      [HISTORY_ROWS],
    );
    await exec(
      `INSERT INTO ${t} ${columns} SELECT 'job', '{}', 5, UTC_TIMESTAMP(3) + INTERVAL 1 DAY + INTERVAL n SECOND, 0, 0, ` +
        `UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), NULL FROM ${NUMBERS} WHERE n < ?`,
      [FUTURE_ROWS],
    );
    await exec(`ANALYZE TABLE ${t}`);
    const due = await adapter.enqueue(Array.from({ length: 30 }, () => newJob()));

    // What claim() runs: the priorities probe, then the claim with their list.
    const probe = await sql<{ priority: number | null; due: number | string | null }>(
      selectPriorities(t),
    );
    // One priority, and its earliest unfinished job is due.
    expect(probe.map((row) => [row.priority, Number(row.due)])).toEqual([[5, 1]]);
    const probePlan = await sql<{ Extra: string }>(`EXPLAIN ${selectPriorities(t)}`);
    expect(probePlan.some((row) => /Using index for group-by/.test(row.Extra ?? ""))).toBe(true);
    const statement = selectClaimable(t, 1, 1, true);
    const plan = await sql<{ key: string | null; Extra: string }>(`EXPLAIN ${statement}`, [
      3,
      "job",
      5,
      10,
    ]);
    expect(plan).toHaveLength(1);
    expect(plan[0]!.key).toBe(`${t}_claim_idx`);
    expect(plan[0]!.Extra).not.toMatch(/filesort/);

    // Index entries the storage engine read for one claim, counted on a session of our
    // own: for a busy queue (10 due jobs taken) and for an idle poll (no job matches).
    const pool = adapter.db as Pool;
    const connection: PoolConnection = await pool.getConnection();
    const readsFor = async (name: string, expected: number) => {
      await connection.query("FLUSH STATUS");
      await connection.query("START TRANSACTION");
      const [rows] = await connection.query(statement, [3, name, 5, 10]);
      await connection.query("ROLLBACK");
      expect((rows as unknown[]).length).toBe(expected);
      const [status] = await connection.query("SHOW SESSION STATUS LIKE 'Handler_read%'");
      return (status as { Value: string }[]).reduce((sum, row) => sum + Number(row.Value), 0);
    };
    try {
      expect(await readsFor("job", 10)).toBeLessThan(1_000);
      expect(await readsFor("nobody", 0)).toBeLessThan(1_000);
    } finally {
      connection.release();
    }

    const { jobs } = await adapter.claim(claimRequest({ limit: 50 }));
    expect(jobs.map((job) => job.id)).toEqual(due);
    // Heartbeats and outcome guards go by primary key, even with the row-constructor guard.
    const heartbeatPlan = await sql<{ key: string | null; rows: number | string }>(
      `EXPLAIN ${extendLeases(t, 2)}`,
      [60_000, due[0], due[1], due[0], "w:1", due[1], "w:1"],
    );
    expect(heartbeatPlan[0]!.key).toBe("PRIMARY");
    expect(Number(heartbeatPlan[0]!.rows)).toBeLessThanOrEqual(2);
    const guardPlan = await sql<{ key: string | null }>(`EXPLAIN ${lockOutcomeRows(t, 2)}`, [
      due[0],
      due[1],
    ]);
    expect(guardPlan[0]!.key).toBe("PRIMARY");
    // Cleanup walks the finished index, which leads with (is_complete, completed_at).
    const cleanupPlan = await sql<{ key: string | null }>(
      `EXPLAIN SELECT id FROM ${t} WHERE is_complete = 1 AND completed_at < UTC_TIMESTAMP(3) ORDER BY completed_at LIMIT 10`,
    );
    expect(cleanupPlan[0]!.key).toBe(`${t}_finished_idx`);
  }, 180_000);
});
