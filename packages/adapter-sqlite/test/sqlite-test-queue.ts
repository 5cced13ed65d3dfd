import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StorageAdapter } from "@docket/core";
import type { CronDefinition } from "@docket/core/adapter";
import type Database from "better-sqlite3";
import { afterAll } from "vitest";
import { createSqliteAdapter } from "../src/index.ts";
import { uniqueTableName } from "./sqlite-harness.ts";

/** Shared set-up of the seam-level tests: a temp file per test file, a table per queue. */

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
  /** Another adapter on the same table, with its own connection. */
  reopen(): StorageAdapter;
}

export async function queue(): Promise<Queue> {
  const table = uniqueTableName();
  const open = () => {
    const adapter = createSqliteAdapter({ filename, tableName: table });
    opened.push(adapter);
    return adapter;
  };
  const adapter = open();
  await adapter.migrate();
  return { adapter, db: adapter.db as Database.Database, table, reopen: open };
}

export function claimAll(adapter: StorageAdapter, leaseToken: string, overrides = {}) {
  return adapter.claim({
    leaseToken,
    limit: 100,
    names: ["job"],
    maxRetryCount: 3,
    ignoreSorting: false,
    leaseMs: 60_000,
    ...overrides,
  });
}

export function cron(name: string, overrides: Partial<CronDefinition> = {}): CronDefinition {
  const cronExpression = overrides.cronExpression ?? "0 * * * *";
  return {
    name,
    cronExpression,
    priority: 4,
    nextRunAt: new Date(Date.now() + 3_600_000),
    dataJson: JSON.stringify({ jobType: "compas.queue.cronJob", cronExpression }),
    ...overrides,
  };
}

export function pendingCronRows(q: Queue, name: string) {
  return q.db
    .prepare(
      `SELECT * FROM ${q.table} WHERE name = ? AND cron_expression IS NOT NULL AND is_complete = 0`,
    )
    .all(name) as { id: number; scheduled_at: number; cron_expression: string; priority: number }[];
}

/** A new job named `job` (the seam fixture `newJob`). */
export { newJob as job, outcome } from "@docket/core/testing";
