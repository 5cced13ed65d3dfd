/**
 * `pnpm bench --sessions`: what the session store costs per request, per database, in
 * one process, one call at a time. `sessionStoreGet` (verify the JWT, one joined
 * primary-key SELECT) and `sessionStoreRefreshTokens` (verify, one SELECT, one write
 * transaction: revoke two tokens and insert two) are measured next to a bare primary-key
 * SELECT of a session row on the same connection (the adapters run with one connection),
 * so the ratio says what the store adds over the database's floor.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { createMysqlAdapter } from "@docket/adapter-mysql";
import { createPostgresAdapter } from "@docket/adapter-postgres";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import type { StorageAdapter } from "@docket/core";
import {
  type SessionStoreSettings,
  sessionStoreCreate,
  sessionStoreGet,
  sessionStoreRefreshTokens,
} from "@docket/sessions";
import type { CliOptions } from "../config.ts";
import type { DatabaseId } from "../system.ts";

const SETTINGS: SessionStoreSettings = {
  signingKey: "docket-bench-signing-key-0123456789",
  accessTokenMaxAgeInSeconds: 3600,
  refreshTokenMaxAgeInSeconds: 86_400,
};

/** Calls per measurement at scale 1; sessions in the table at scale 1. */
const BASE_CALLS = 5_000;
const BASE_SESSIONS = 1_000;

interface Row {
  database: DatabaseId;
  bareSelect: number;
  get: number;
  refresh: number;
}

type BareSelect = (id: string) => Promise<unknown>;

async function perSecond(calls: number, call: (i: number) => Promise<unknown>): Promise<number> {
  // A short warm-up: prepared statements, JIT, pool connection.
  for (let i = 0; i < Math.min(50, calls); i++) await call(i);
  const start = performance.now();
  for (let i = 0; i < calls; i++) await call(i);
  return calls / ((performance.now() - start) / 1000);
}

function bareSelectOf(database: DatabaseId, adapter: StorageAdapter, table: string): BareSelect {
  const db = adapter.db as Record<string, (...args: unknown[]) => unknown>;
  if (database === "sqlite") {
    const statement = (db.prepare as (sql: string) => { get(...values: unknown[]): unknown }).call(
      db,
      `SELECT id, data FROM ${table}_session WHERE id = ?`,
    );
    return async (id) => statement.get(id);
  }
  if (database === "postgres") {
    const text = `SELECT id, data::text AS data FROM "${table}_session" WHERE id = $1`;
    return (id) =>
      (db.query as (config: unknown) => Promise<unknown>).call(db, { text, values: [id] });
  }
  const sql = `SELECT id, data FROM ${table}_session WHERE id = ?`;
  return (id) =>
    (db.execute as (sql: string, v: unknown[]) => Promise<unknown>).call(db, sql, [id]);
}

async function openAdapter(
  database: DatabaseId,
  table: string,
  dir: string,
): Promise<StorageAdapter> {
  const adapter =
    database === "sqlite"
      ? createSqliteAdapter({ filename: join(dir, "sessions.db"), tableName: table })
      : database === "postgres"
        ? createPostgresAdapter({
            connectionString:
              process.env.DOCKET_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test",
            tableName: table,
            poolSize: 1,
            notify: false,
          })
        : createMysqlAdapter({
            uri: process.env.DOCKET_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test",
            tableName: table,
            poolSize: 1,
          });
  await adapter.migrate();
  return adapter;
}

async function dropTables(database: DatabaseId, adapter: StorageAdapter, table: string) {
  if (database === "sqlite") return;
  const q = database === "postgres" ? (name: string) => `"${name}"` : (name: string) => name;
  const names = ["_session_token", "_session", "", "_migrations"].map((s) => q(`${table}${s}`));
  const db = adapter.db as { query(sql: string): Promise<unknown> };
  await db.query(`DROP TABLE IF EXISTS ${names.join(", ")}`);
}

async function measure(database: DatabaseId, scale: number, dir: string): Promise<Row> {
  const table = `docket_bench_sessions_${process.pid}`;
  const adapter = await openAdapter(database, table, dir);
  try {
    const sessions = Math.max(20, Math.round(BASE_SESSIONS * scale));
    const calls = Math.max(100, Math.round(BASE_CALLS * scale));
    const pairs: { accessToken: string; refreshToken: string }[] = [];
    const ids: string[] = [];
    for (let i = 0; i < sessions; i++) {
      const pair = await sessionStoreCreate(adapter, SETTINGS, { userId: i, roles: ["user"] });
      pairs.push(pair);
      ids.push((await sessionStoreGet(adapter, SETTINGS, pair.accessToken)).id);
    }
    const bare = bareSelectOf(database, adapter, table);
    const bareSelect = await perSecond(calls, (i) => bare(ids[i % sessions]!));
    const get = await perSecond(calls, (i) =>
      sessionStoreGet(adapter, SETTINGS, pairs[i % sessions]!.accessToken),
    );
    const refresh = await perSecond(calls, async (i) => {
      const slot = i % sessions;
      pairs[slot] = await sessionStoreRefreshTokens(adapter, SETTINGS, pairs[slot]!.refreshToken);
    });
    await dropTables(database, adapter, table);
    return { database, bareSelect, get, refresh };
  } finally {
    await adapter.close();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/** Runs the session scenario on the databases of `options.only` and prints a markdown table. */
export async function runSessionsBench(options: CliOptions): Promise<void> {
  const dir = await mkdtemp(join(os.tmpdir(), "docket-bench-sessions-"));
  const rows: Row[] = [];
  try {
    for (const database of options.only) {
      console.error(`== sessions on ${database}`);
      try {
        rows.push(await measure(database, options.scale, dir));
      } catch (error) {
        console.error(`NOTICE: sessions on ${database} skipped: ${(error as Error).message}`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const lines = [
    `# Docket session store — ${new Date().toISOString()}`,
    "",
    `Command: \`pnpm bench --sessions${
      process.argv.length > 3
        ? ` ${process.argv
            .slice(2)
            .filter((a) => a !== "--sessions")
            .join(" ")}`
        : ""
    }\` (scale ${options.scale}). ` +
      `Node ${process.version}, ${os.cpus().length} cores. One process, one call at a time, one connection.`,
    "",
    "| Database | bare PK SELECT/s | sessionStoreGet/s | ratio | sessionStoreRefreshTokens/s | ratio |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.database} | ${fmt(r.bareSelect)} | ${fmt(r.get)} | ${(r.get / r.bareSelect).toFixed(2)} | ${fmt(r.refresh)} | ${(r.refresh / r.bareSelect).toFixed(2)} |`,
    ),
    "",
    "ratio = store calls per second ÷ bare SELECTs per second on the same connection.",
  ];
  console.log(lines.join("\n"));
}
