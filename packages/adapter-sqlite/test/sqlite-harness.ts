import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StorageAdapter } from "@docket/core";
import { type AdapterHarness, uniqueTableName } from "@docket/core/testing";
import Database from "better-sqlite3";
import { createSqliteAdapter } from "../src/index.ts";
import { inspectSqliteSchema } from "./sqlite-catalog.ts";

const MARKER_TABLE = "docket_test_marker";

/**
 * The conformance harness on SQLite: one temporary database file per harness (under
 * `os.tmpdir()`), one table per `create()`, a side table for markers. Adapters open the
 * file by `filename`, so each owns its own connection like a separate process would.
 */
export function createSqliteHarness(): AdapterHarness & { readonly filename: string } {
  const directory = mkdtempSync(join(tmpdir(), "docket-sqlite-"));
  const filename = join(directory, "queue.db");
  const tables = new Map<StorageAdapter, string>();
  let setup: Database.Database | null = null;

  function setupDb(): Database.Database {
    if (setup === null) {
      setup = new Database(filename, { timeout: 5000 });
      setup.pragma("journal_mode = WAL");
      setup.exec(`CREATE TABLE IF NOT EXISTS ${MARKER_TABLE} (marker TEXT NOT NULL)`);
    }
    return setup;
  }

  function open(tableName: string): StorageAdapter {
    const adapter = createSqliteAdapter({ filename, tableName });
    tables.set(adapter, tableName);
    return adapter;
  }

  return {
    label: "sqlite",
    filename,

    async create(options) {
      setupDb();
      const adapter = open(options?.tableName ?? uniqueTableName());
      await adapter.migrate();
      return adapter;
    },

    async inspectSchema(adapter) {
      const tableName = tables.get(adapter);
      if (tableName === undefined)
        throw new Error("inspectSchema: adapter not made by this harness");
      return inspectSqliteSchema(adapter.db as Database.Database, tableName);
    },

    async reopen(adapter) {
      const tableName = tables.get(adapter);
      if (tableName === undefined) throw new Error("reopen: adapter was not made by this harness");
      return open(tableName);
    },

    async inNativeTransaction(adapter, work, { rollback }) {
      const db = adapter.db as Database.Database;
      const rollbackSignal = new Error("roll back");
      let pending: Promise<unknown> = Promise.resolve();
      try {
        // better-sqlite3's own style: a synchronous transaction function; the adapter's
        // enqueue writes synchronously, so its INSERT lands inside.
        db.transaction(() => {
          pending = work(adapter.withTransaction(db));
          if (rollback) throw rollbackSignal;
        })();
      } catch (error) {
        if (error !== rollbackSignal) throw error;
      }
      await pending;
    },

    async writeMarker(_adapter, db, marker) {
      (db as Database.Database)
        .prepare(`INSERT INTO ${MARKER_TABLE} (marker) VALUES (?)`)
        .run(marker);
    },

    async countMarkers(_adapter, marker) {
      const row = setupDb()
        .prepare(`SELECT count(*) AS n FROM ${MARKER_TABLE} WHERE marker = ?`)
        .get(marker) as { n: number };
      return row.n;
    },

    async teardown() {
      for (const adapter of [...tables.keys()].reverse()) await adapter.close();
      tables.clear();
      setup?.close();
      setup = null;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export { uniqueTableName };
