/**
 * Cost model per job (issue 13): drains N no-op jobs with one Docket worker and counts,
 * through a wrapped driver, the round trips (commands sent to the server), statements
 * and commits per job (SQLite: statements and commits, see `sqlite-counting.ts`), plus the Node CPU per job and the wall time per job. With
 * `--trace` it prints the statement timeline of a few jobs in the middle of the drain
 * (where a fixed delay shows up as a gap between two statements).
 *
 *   pnpm --filter @docket/bench exec tsx src/cost/cost-model.ts [--db postgres|mysql|sqlite]
 *        [--jobs 2000] [--concurrency 1] [--prefetch 0] [--trace] [--cold] [--deep] [--delete]
 *
 * Not part of `pnpm bench`; figures go to RESULTS.md ("Cost model").
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createMysqlAdapter } from "@docket/adapter-mysql";
import { createPostgresAdapter } from "@docket/adapter-postgres";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import { queueWorkerAddJobs, type StorageAdapter } from "@docket/core";
import { countingWorker, enqueueNumberedJobs, timeDrain } from "./cost-drain.ts";
import { wrapSqlite } from "./sqlite-counting.ts";

const require = createRequire(import.meta.url);

interface Sent {
  at: number;
  done: number;
  text: string;
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const db = flag("db", "postgres");
const jobs = Number(flag("jobs", "2000"));
const concurrency = Number(flag("concurrency", "1"));
const prefetch = Number(flag("prefetch", "0"));
const trace = args.includes("--trace");
/** Skip the ANALYZE before the drain: a table whose statistics were never gathered. */
const cold = args.includes("--cold");
/** Before the due jobs: 50,000 finished and 25,000 future-scheduled rows (the bench's deep table at scale 0.25). */
const deep = args.includes("--deep");
/** The worker deletes each finished job (`deleteJobOnCompletion: true`), as the bench's no-history rows. */
const remove = args.includes("--delete");

const log: Sent[] = [];
let recording = false;

/** Wraps the driver's lowest "send one command" function, so every round trip is seen. */
function wrapDrivers(): void {
  const pgRequire = createRequire(require.resolve("@docket/adapter-postgres"));
  const pg = pgRequire("pg") as { Client: { prototype: Record<string, unknown> } };
  const pgQuery = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: unknown, ...a: unknown[]) {
    const first = a[0] as string | { text?: string; name?: string };
    const text = typeof first === "string" ? first : (first?.text ?? first?.name ?? "?");
    const entry: Sent = { at: performance.now(), done: 0, text };
    if (recording) log.push(entry);
    const last = a[a.length - 1];
    if (typeof last === "function") {
      // pg-pool passes a callback: time the round trip through it.
      a[a.length - 1] = (...r: unknown[]) => {
        entry.done = performance.now();
        return (last as (...x: unknown[]) => unknown)(...r);
      };
    }
    const first0 = a[0] as { callback?: (...x: unknown[]) => unknown } | undefined;
    if (first0 !== null && typeof first0 === "object" && typeof first0.callback === "function") {
      const callback = first0.callback;
      first0.callback = (...r: unknown[]) => {
        entry.done = performance.now();
        return callback(...r);
      };
    }
    const result = pgQuery.apply(this, a);
    if (result instanceof Promise)
      result.then(
        () => {
          entry.done = performance.now();
        },
        () => {
          entry.done = performance.now();
        },
      );
    return result;
  };
  const myRequire = createRequire(require.resolve("@docket/adapter-mysql"));
  const mysqlDir = myRequire.resolve("mysql2").replace(/index\.js$/, "");
  const base = myRequire(`${mysqlDir}lib/base/connection.js`) as {
    prototype: Record<string, unknown>;
  };
  const addCommand = base.prototype.addCommand as (cmd: unknown) => unknown;
  base.prototype.addCommand = function (this: unknown, cmd: Record<string, unknown>) {
    const name = String((cmd.constructor as { name: string }).name);
    // CloseStatement has no reply, and mysql2 answers a Prepare of a statement it has
    // already prepared on that connection from its cache: neither is a round trip.
    if (recording && name !== "CloseStatement" && name !== "Prepare") {
      const query = (cmd.query ?? cmd.sql ?? "") as string | { sql?: string };
      const text = `${name}: ${typeof query === "string" ? query : (query.sql ?? "")}`;
      const entry: Sent = { at: performance.now(), done: 0, text };
      log.push(entry);
      const onResult = cmd.onResult as ((...r: unknown[]) => void) | undefined;
      if (typeof onResult === "function") {
        cmd.onResult = (...r: unknown[]) => {
          entry.done = performance.now();
          onResult(...r);
        };
      }
    }
    return addCommand.call(this, cmd);
  };
}

function classify(text: string): string {
  const t = text.replace(/\s+/g, " ").trim().toUpperCase();
  if (/^(QUERY: |EXECUTE: )?(COMMIT)/.test(t)) return "commit";
  if (/^(QUERY: |EXECUTE: )?(BEGIN|START TRANSACTION)/.test(t)) return "begin";
  if (/^(QUERY: |EXECUTE: )?ROLLBACK/.test(t)) return "rollback";
  if (t.startsWith("PREPARE")) return "prepare";
  return "statement";
}

/** The log entry of an in-process (SQLite) statement, timed from call to return. */
function logStatement(text: string, at: number, done: number): void {
  if (recording) log.push({ at, done, text });
}

/** SQLite only: a temporary directory for the database file. */
const sqliteDirectory = db === "sqlite" ? mkdtempSync(join(tmpdir(), "docket-cost-")) : "";

async function main(): Promise<void> {
  if (db === "sqlite") wrapSqlite(logStatement);
  else wrapDrivers();
  const tableName = `docket_cost_${process.pid}`;
  const adapter: StorageAdapter =
    db === "sqlite"
      ? createSqliteAdapter({ filename: join(sqliteDirectory, "cost.db"), tableName })
      : db === "mysql"
        ? createMysqlAdapter({
            uri: process.env.DOCKET_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test",
            tableName,
          })
        : createPostgresAdapter({
            connectionString:
              process.env.DOCKET_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test",
            tableName,
          });
  await adapter.migrate();
  try {
    if (deep) {
      const raw = rawQuery(adapter);
      for (let i = 0; i < 50_000; i += 1000) {
        await queueWorkerAddJobs(
          adapter,
          Array.from({ length: 1000 }, () => ({ name: "cost", data: { seq: -1 } })),
        );
      }
      await raw.query(
        db === "mysql"
          ? `UPDATE ${tableName} SET is_complete = 1, completed_at = UTC_TIMESTAMP(3)`
          : db === "sqlite"
            ? `UPDATE ${tableName} SET is_complete = 1, completed_at = ${Date.now()}`
            : `UPDATE "${tableName}" SET is_complete = true, completed_at = now()`,
      );
      const tomorrow = new Date(Date.now() + 86_400_000);
      for (let i = 0; i < 25_000; i += 1000) {
        await queueWorkerAddJobs(
          adapter,
          Array.from({ length: 1000 }, () => ({
            name: "cost",
            data: { seq: -1 },
            scheduledAt: tomorrow,
          })),
        );
      }
    }
    await enqueueNumberedJobs(adapter, "cost", jobs);
    const raw = rawQuery(adapter);
    // SQLite: nothing, as in `pnpm bench` (an application rarely runs ANALYZE there).
    if (!cold && db !== "sqlite")
      await raw.query(db === "mysql" ? `ANALYZE TABLE ${tableName}` : `ANALYZE "${tableName}"`);
    const starts: number[] = [];
    const { worker, allRan: done } = countingWorker(adapter, {
      name: "cost",
      jobs,
      parallelCount: concurrency,
      prefetchCount: prefetch,
      deleteJobOnCompletion: remove,
      onJob: () => starts.push(performance.now()),
    });
    recording = true;
    // Event-loop delay: how late a 1 ms timer fires. High values mean the process waited
    // for a core (a loaded machine), not for the database.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const { cpuUs, wallMs: wall } = await timeDrain(worker, done);
    recording = false;
    loopDelay.disable();
    await worker.stop();
    const kinds = new Map<string, number>();
    for (const entry of log)
      kinds.set(classify(entry.text), (kinds.get(classify(entry.text)) ?? 0) + 1);
    const per = (n: number) => (n / jobs).toFixed(2);
    const texts = new Map<string, number>();
    const spent = new Map<string, number>();
    for (const entry of log) {
      const key = entry.text.replace(/\s+/g, " ").slice(0, 70);
      texts.set(key, (texts.get(key) ?? 0) + 1);
      if (entry.done > 0) spent.set(key, (spent.get(key) ?? 0) + (entry.done - entry.at));
    }
    console.log(
      JSON.stringify(
        {
          db,
          cold,
          deep,
          delete: remove,
          jobs,
          concurrency,
          prefetch,
          jobsPerSecond: Math.round((jobs / wall) * 1000),
          wallMsPerJob: +(wall / jobs).toFixed(3),
          nodeCpuMsPerJob: +(cpuUs / 1000 / jobs).toFixed(3),
          roundTripsPerJob: per(log.length),
          perJob: Object.fromEntries([...kinds].map(([k, v]) => [k, per(v)])),
          eventLoopDelayMs: {
            p50: +(loopDelay.percentile(50) / 1e6).toFixed(2),
            p99: +(loopDelay.percentile(99) / 1e6).toFixed(2),
          },
          meanRoundTripMs: +(
            log.filter((e) => e.done > 0).reduce((s, e) => s + (e.done - e.at), 0) /
            Math.max(1, log.filter((e) => e.done > 0).length)
          ).toFixed(3),
          statements: Object.fromEntries(
            [...texts].map(([k, v]) => [
              k,
              `${per(v)} per job, ${((spent.get(k) ?? 0) / v).toFixed(2)} ms each`,
            ]),
          ),
        },
        null,
        2,
      ),
    );
    if (trace) {
      const mid = starts[Math.floor(jobs / 2)] ?? 0;
      const window = log.filter((e) => e.at >= mid && e.at < mid + 40);
      for (const e of window)
        console.log(
          `${(e.at - mid).toFixed(2).padStart(7)} +${(e.done - e.at).toFixed(2).padStart(6)} ${e.text.replace(/\s+/g, " ").slice(0, 90)}`,
        );
      console.log(
        "handler starts:",
        starts
          .filter((s) => s >= mid && s < mid + 40)
          .map((s) => (s - mid).toFixed(2))
          .join(" "),
      );
    }
  } finally {
    const raw = rawQuery(adapter);
    await raw
      .query(
        db === "mysql"
          ? `DROP TABLE IF EXISTS ${tableName}, ${tableName}_migrations`
          : `DROP TABLE IF EXISTS "${tableName}", "${tableName}_migrations"`,
      )
      .catch(() => {});
    await adapter.close();
    if (db === "sqlite") rmSync(sqliteDirectory, { recursive: true, force: true });
  }
}

/** One statement outside the adapter: `pg` / mysql2 `query`, better-sqlite3 `exec`. */
function rawQuery(adapter: StorageAdapter): { query(sql: string): Promise<unknown> } {
  if (db !== "sqlite") return adapter.db as { query(sql: string): Promise<unknown> };
  const sqlite = adapter.db as { exec(sql: string): unknown };
  return { query: async (sql) => sqlite.exec(sql) };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
