import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StorageAdapter } from "@docket/core";
import type Database from "better-sqlite3";
import { afterAll } from "vitest";
import { createSqliteAdapter } from "../src/index.ts";
import { uniqueTableName } from "./sqlite-harness.ts";

/** Shared set-up of the SQLite-specific tests: a temp file per test file, a table per queue. */

export const directory = mkdtempSync(join(tmpdir(), "docket-sqlite-adapter-"));
export const filename = join(directory, "queue.db");
export const opened: StorageAdapter[] = [];

afterAll(async () => {
  for (const adapter of opened) await adapter.close();
  rmSync(directory, { recursive: true, force: true });
});

export interface Queue {
  adapter: StorageAdapter;
  db: Database.Database;
  table: string;
}

export async function queue(): Promise<Queue> {
  const table = uniqueTableName();
  const adapter = createSqliteAdapter({ filename, tableName: table });
  opened.push(adapter);
  await adapter.migrate();
  return { adapter, db: adapter.db as Database.Database, table };
}
