/**
 * MariaDB deep table ÷ empty table, this checkout's adapter against a baseline copy,
 * alternated in one process (issue 13, round 6). Per round and adapter: a drain of the
 * due jobs at concurrency 10 in an empty table and in the bench's deep table (50,000
 * finished + 25,000 future rows, `mysql-deep-fixture.ts`), reporting per job:
 * - `serverMs`: CPU time of the MariaDB threads serving the adapter's own connections
 *   (`/proc/<mariadbd>/task/<tid>/schedstat`, thread ids from PROCESSLIST's `TID`), so
 *   other clients of the server and its background threads are not counted. Needs the
 *   server on this machine (it is read from /proc) and MariaDB (the TID column);
 * - `handler`: the `Handler_read_*` counters of the claim connections (rows and keys the
 *   claims read), `roundTrips`, Node CPU, and jobs/s (load-bound on a shared machine).
 *
 *   pnpm --filter @docket/bench exec tsx src/cost/mysql-deep-ab.ts
 *        --baseline <another checkout's packages/adapter-mysql/src/index.ts>
 *        [--rounds 6] [--due 1250] [--prefetch 0]
 *
 * Without `--baseline` only this checkout is measured. Not part of `pnpm bench`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { pathToFileURL } from "node:url";
import { createMysqlAdapter } from "@docket/adapter-mysql";
import { drainWithWorker, dropTables, openFilledTable } from "./mysql-deep-fixture.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const rounds = Number(flag("rounds", "6"));
const due = Number(flag("due", "1250"));
const prefetch = Number(flag("prefetch", "0"));
const baselinePath = flag("baseline", "");
const url = process.env.DOCKET_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

type Create = typeof createMysqlAdapter;
type CoreConnection = {
  threadId: number;
  query(sql: string, callback: (error: Error | null, rows: unknown) => void): void;
};

/** Commands sent through mysql2 while `counting` (as `cost-model.ts` counts round trips). */
let counting = false;
let commands = 0;
function countCommands(): void {
  const require = createRequire(import.meta.url);
  const myRequire = createRequire(require.resolve("@docket/adapter-mysql"));
  const mysqlDir = myRequire.resolve("mysql2").replace(/index\.js$/, "");
  const base = myRequire(`${mysqlDir}lib/base/connection.js`) as {
    prototype: { addCommand(cmd: { constructor: { name: string } }): unknown };
  };
  const addCommand = base.prototype.addCommand;
  base.prototype.addCommand = function (this: unknown, cmd) {
    const name = cmd.constructor.name;
    if (counting && !["ClientHandshake", "CloseStatement", "Prepare"].includes(name)) commands++;
    return addCommand.call(this, cmd);
  };
}

function serverPid(): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, "utf8").trim();
      if (comm === "mariadbd" || comm === "mysqld") return Number(entry);
    } catch {}
  }
  throw new Error("no mariadbd process on this machine");
}

/** CPU nanoseconds per server thread id. */
function threadCpuNs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0];
      out.set(Number(tid), Number(ns));
    } catch {}
  }
  return out;
}

/** The core (callback) connections of a mysql2 promise pool. */
function connectionsOf(pool: unknown): CoreConnection[] {
  const core = (pool as { pool: { _allConnections: { toArray(): CoreConnection[] } } }).pool;
  return core._allConnections.toArray();
}

function queryOn(connection: CoreConnection, sql: string): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) =>
    connection.query(sql, (error, rows) =>
      error ? reject(error) : resolve(rows as Record<string, unknown>[]),
    ),
  );
}

async function once(create: Create, label: string, variant: "empty" | "deep", round: number) {
  const table = `dab_${process.pid}_${round}_${label}_${variant === "empty" ? "e" : "d"}`;
  const { adapter, pool } = await openFilledTable(
    create,
    url,
    table,
    variant === "empty" ? { history: 0, future: 0, due } : { history: 50_000, future: 25_000, due },
    "deep",
  );
  try {
    const pid = serverPid();
    const before = threadCpuNs(pid);
    commands = 0;
    counting = true;
    const drained = await drainWithWorker(adapter, "deep", due, prefetch);
    counting = false;
    const after = threadCpuNs(pid);
    // The claim pool is the adapter's own (private) second pool; the main pool is `db`.
    const claimPool = (adapter as unknown as { context: { claimConnection: { pool: unknown } } })
      .context.claimConnection.pool;
    const claimConnections = connectionsOf(claimPool);
    const ids = [...claimConnections, ...connectionsOf(pool)].map((c) => c.threadId);
    const [tids] = await pool.query(
      `SELECT TID AS tid FROM information_schema.PROCESSLIST WHERE ID IN (${ids.join(", ")})`,
    );
    let serverNs = 0;
    for (const { tid } of tids as { tid: number }[]) {
      serverNs += (after.get(Number(tid)) ?? 0) - (before.get(Number(tid)) ?? 0);
    }
    const handler: Record<string, number> = {};
    for (const connection of claimConnections) {
      const rows = await queryOn(connection, "SHOW SESSION STATUS LIKE 'Handler_read%'");
      for (const row of rows) {
        const key = String(row.Variable_name).replace("Handler_", "");
        handler[key] = (handler[key] ?? 0) + Number(row.Value) / due;
      }
    }
    return {
      jobsPerSecond: Math.round((due / drained.wallMs) * 1000),
      serverMs: +(serverNs / 1e6 / due).toFixed(3),
      nodeCpuMs: +(drained.cpuMs / due).toFixed(3),
      roundTrips: +(commands / due).toFixed(3),
      handler: Object.fromEntries(
        Object.entries(handler)
          .filter(([, v]) => v > 0)
          .map(([k, v]) => [k, +v.toFixed(2)]),
      ),
    };
  } finally {
    await dropTables(pool, table);
    await adapter.close();
  }
}

async function main() {
  countCommands();
  const adapters: [string, Create][] = [["branch", createMysqlAdapter]];
  if (baselinePath !== "") {
    const baseline = (await import(pathToFileURL(baselinePath).href)) as {
      createMysqlAdapter: Create;
    };
    adapters.unshift(["baseline", baseline.createMysqlAdapter]);
  }
  for (let round = 0; round < rounds; round++) {
    // ABBA: each adapter goes first in every other round.
    const order = round % 2 === 0 ? adapters : [...adapters].reverse();
    const line: Record<string, unknown> = { round, load: +os.loadavg()[0]!.toFixed(1) };
    for (const [label, create] of order) {
      const empty = await once(create, label, "empty", round);
      const deep = await once(create, label, "deep", round);
      line[label] = {
        empty,
        deep,
        jobsPerSecondRatio: +(deep.jobsPerSecond / empty.jobsPerSecond).toFixed(2),
        serverMsRatio: +(deep.serverMs / empty.serverMs).toFixed(2),
      };
    }
    console.log(JSON.stringify(line));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
