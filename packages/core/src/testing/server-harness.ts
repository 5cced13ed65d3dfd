import type { StorageAdapter } from "../storage-adapter.ts";
import type { AdapterHarness } from "./harness.ts";
import { tableOf, uniqueTableName } from "./seam-fixtures.ts";

/** Rows a statement returned (none for statements that return none). */
export type Rows = Record<string, unknown>[];

/**
 * What `createServerHarness` needs of a client-server database (Postgres, MySQL): how to
 * open adapters and pools, run one statement, and write SQL in its dialect.
 */
export interface ServerDriver {
  readonly label: string;
  /** The test database's URL (may start a container on first use). */
  url(): Promise<string>;
  /** An adapter owning a small pool of its own, on `tableName`. */
  open(url: string, tableName: string): StorageAdapter;
  /** A small pool for set-up and inspection, outside every adapter. */
  openPool(url: string): unknown;
  endPool(pool: unknown): Promise<void>;
  /** Runs `sql` on a pool or a connection (the handle a handler gets as `db`). */
  run(db: unknown, sql: string, values?: readonly unknown[]): Promise<Rows>;
  /** `name` as a quoted identifier. */
  quote(name: string): string;
  /** The placeholder of the `index`-th (1-based) bound value. */
  placeholder(index: number): string;
  /** The column list of the marker side table, after the table name in CREATE TABLE. */
  readonly markerColumns: string;
  /** The application's own transaction on `adapter.db`, in the driver's native style. */
  inNativeTransaction: AdapterHarness["inNativeTransaction"];
}

/** Tables an adapter (and its file and session stores) and the harness make per queue. */
const TABLE_SUFFIXES = ["", "_migrations", "_marker", "_file", "_session_token", "_session"];

/**
 * The `AdapterHarness` of a client-server database: every `create()` gets its own table
 * on the test database through an adapter that owns its pool; `sql` runs statements
 * directly (arrange and inspect) on a side pool; `teardown` drops every table made.
 */
export function createServerHarness(driver: ServerDriver): AdapterHarness & {
  sql(text: string, values?: readonly unknown[]): Promise<Rows>;
} {
  const adapters: StorageAdapter[] = [];
  const tables = new Set<string>();
  let admin: unknown = null;

  const adminPool = async () => {
    admin ??= driver.openPool(await driver.url());
    return admin;
  };
  const open = async (tableName: string) => {
    const adapter = driver.open(await driver.url(), tableName);
    adapters.push(adapter);
    return adapter;
  };
  const markerTable = (adapter: StorageAdapter) => driver.quote(`${tableOf(adapter)}_marker`);
  const sql = async (text: string, values: readonly unknown[] = []) =>
    driver.run(await adminPool(), text, values);

  return {
    label: driver.label,
    sql,

    async create(options) {
      const tableName = options?.tableName ?? uniqueTableName();
      tables.add(tableName);
      const adapter = await open(tableName);
      await adapter.migrate();
      // Made up front: DDL inside a native transaction would commit it on MySQL.
      await sql(
        `CREATE TABLE IF NOT EXISTS ${driver.quote(`${tableName}_marker`)} ${driver.markerColumns}`,
      );
      return adapter;
    },

    reopen: (adapter) => open(tableOf(adapter)),

    inNativeTransaction: (adapter, work, options) =>
      driver.inNativeTransaction(adapter, work, options),

    async writeMarker(adapter, db, marker) {
      await driver.run(
        db,
        `INSERT INTO ${markerTable(adapter)} (marker) VALUES (${driver.placeholder(1)})`,
        [marker],
      );
    },

    async countMarkers(adapter, marker) {
      const rows = await sql(
        `SELECT count(*) AS n FROM ${markerTable(adapter)} WHERE marker = ${driver.placeholder(1)}`,
        [marker],
      );
      return Number(rows[0]?.n ?? 0);
    },

    async teardown() {
      await Promise.all(adapters.splice(0).map((adapter) => adapter.close()));
      const dropping = [...tables];
      tables.clear();
      if (admin === null) return;
      for (const table of dropping) {
        const names = TABLE_SUFFIXES.map((suffix) => driver.quote(`${table}${suffix}`));
        await sql(`DROP TABLE IF EXISTS ${names.join(", ")}`);
      }
      const pool = admin;
      admin = null;
      await driver.endPool(pool);
    },
  };
}
