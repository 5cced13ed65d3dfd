/**
 * Is the MariaDB deep-table slowdown the bench's setup? Builds the bench's deep table
 * (history inserted pending, then marked complete by one UPDATE; future rows a day
 * ahead; then the due jobs and ANALYZE TABLE, as `deep-drain.ts` at scale 0.25) and an
 * empty one, and drains the due jobs at concurrency 10, in rounds of:
 *   empty · deep (drain at once, as the bench) · deep, after InnoDB's purge has caught up
 * For each: the history list length (undo logs purge has not processed yet) when the
 * drain starts, the priorities probe's cost right then (`ANALYZE FORMAT=JSON`: rows and
 * pages it touched), and the drain's jobs/s.
 *
 *   pnpm --filter @docket/bench exec tsx src/cost/mysql-deep-purge.ts [--rounds 3]
 *        [--due 1250] [--history 50000] [--future 25000]
 *
 * Not part of `pnpm bench`.
 */
import { createMysqlAdapter } from "@docket/adapter-mysql";
import type { Pool } from "mysql2/promise";
import { drainWithWorker, dropTables, openFilledTable } from "./mysql-deep-fixture.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = flag("rounds", 3);
const due = flag("due", 1250);
const history = flag("history", 50_000);
const future = flag("future", 25_000);
const url = process.env.DOCKET_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

type Variant = "empty" | "deep" | "deep-purged";

async function historyListLength(pool: Pool): Promise<number> {
  const [rows] = await pool.query("SHOW ENGINE INNODB STATUS");
  const status = (rows as { Status: string }[])[0]!.Status;
  return Number(/History list length (\d+)/.exec(status)?.[1] ?? Number.NaN);
}

/**
 * Rows and pages the probe touches now (`ANALYZE FORMAT=JSON`), and its time; `locking`:
 * the same probe as a locking read (`FOR UPDATE SKIP LOCKED`), in a transaction rolled
 * back at once.
 */
async function probeCost(pool: Pool, table: string, locking = false) {
  const probe =
    `SELECT priority, MIN(scheduled_at) <= UTC_TIMESTAMP(3) AS due, ` +
    `MAX(scheduled_at) > UTC_TIMESTAMP(3) AS future FROM ${table} ` +
    "WHERE is_complete = 0 GROUP BY is_complete, priority ORDER BY priority LIMIT 65" +
    (locking ? " FOR UPDATE SKIP LOCKED" : "");
  const connection = await pool.getConnection();
  let rows: unknown;
  try {
    if (locking) await connection.query("START TRANSACTION");
    [rows] = await connection.query(`ANALYZE FORMAT=JSON ${probe}`);
    if (locking) await connection.query("ROLLBACK");
  } finally {
    connection.release();
  }
  const plan = JSON.stringify(rows);
  const sum = (key: string) =>
    [...plan.matchAll(new RegExp(`\\\\"${key}\\\\":\\s*([0-9.]+)`, "g"))].reduce(
      (s, m) => s + Number(m[1]),
      0,
    );
  return { ms: sum("r_total_time_ms"), rows: sum("r_rows"), pages: sum("r_pages_accessed") };
}

type Cost = { ms: number; rows: number; pages: number };

/** Per field, the median of the samples (and how many). */
function median(samples: Cost[]) {
  const mid = (values: number[]) =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return {
    samples: samples.length,
    ms: +mid(samples.map((s) => s.ms)).toFixed(2),
    rows: mid(samples.map((s) => s.rows)),
    pages: mid(samples.map((s) => s.pages)),
  };
}

async function runOnce(variant: Variant, round: number) {
  // Short: the session tables' foreign-key names must stay within 64 characters.
  const table = `dp_${process.pid}_${round}_${variant === "empty" ? "e" : variant === "deep" ? "d" : "p"}`;
  const { adapter, pool } = await openFilledTable(
    createMysqlAdapter,
    url,
    table,
    variant === "empty" ? { history: 0, future: 0, due } : { history, future, due },
    "deep",
  );
  try {
    let waitedMs = 0;
    if (variant === "deep-purged") {
      const t0 = performance.now();
      while ((await historyListLength(pool)) > 50 && performance.now() - t0 < 60_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      waitedMs = Math.round(performance.now() - t0);
    }
    const hll = await historyListLength(pool);
    const probe = await probeCost(pool, table);
    // The probe's cost while the drain runs, sampled on a connection of its own.
    const during: { consistent: Cost[]; locking: Cost[] } = { consistent: [], locking: [] };
    let draining = true;
    const sampling = (async () => {
      while (draining) {
        during.consistent.push(await probeCost(pool, table));
        during.locking.push(await probeCost(pool, table, true));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const drained = await drainWithWorker(adapter, "deep", due);
    draining = false;
    await sampling;
    const after = await historyListLength(pool);
    console.log(
      JSON.stringify({
        round,
        variant,
        purgeWaitMs: waitedMs,
        historyListAtStart: hll,
        historyListAtEnd: after,
        probeAtStart: probe,
        probeDuringDrain: {
          consistent: median(during.consistent),
          locking: median(during.locking),
        },
        jobsPerSecond: Math.round((due / drained.wallMs) * 1000),
        nodeCpuMsPerJob: +(drained.cpuMs / due).toFixed(3),
      }),
    );
  } finally {
    await dropTables(pool, table);
    await adapter.close();
  }
}

async function main() {
  for (let round = 1; round <= rounds; round++) {
    for (const variant of ["empty", "deep", "deep-purged"] as const) {
      await runOnce(variant, round);
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
