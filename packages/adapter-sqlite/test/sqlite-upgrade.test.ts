import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeSchemaUpgrade, frozenStatements } from "@docket/core/testing";
import Database from "better-sqlite3";
import { afterAll } from "vitest";
import { createSqliteAdapter } from "../src/index.ts";
import { readSqliteCatalog } from "./sqlite-catalog.ts";

/** The release before migration 7, frozen as its DDL (see the fixture's header). */
const FROZEN = readFileSync(new URL("./fixtures/schema-v6.sql", import.meta.url), "utf8");

const filename = join(mkdtempSync(join(tmpdir(), "docket-sqlite-upgrade-")), "queue.db");
const db = new Database(filename, { timeout: 5000 });
db.pragma("journal_mode = WAL");
afterAll(() => db.close());

const HOUR = 3_600_000;
const TABLES = ["_session_token", "_session", "_file", "", "_migrations"];

function seed(t: string): void {
  const now = Date.now();
  const insert = db.prepare(
    `INSERT INTO ${t} (name, data, priority, scheduled_at, retry_count, is_complete,
      created_at, updated_at, locked_by, locked_until, last_error, completed_at, failed_at,
      cron_expression, cancelled_at)
     VALUES (@name, @data, @priority, @scheduledAt, @retryCount, @isComplete, @now, @now,
      @lockedBy, @lockedUntil, @lastError, @completedAt, @failedAt, @cron, @cancelledAt)`,
  );
  const row = {
    data: "{}",
    priority: 5,
    scheduledAt: now - HOUR,
    retryCount: 0,
    isComplete: 0,
    now,
    lockedBy: null,
    lockedUntil: null,
    lastError: null,
    completedAt: null,
    failedAt: null,
    cron: null,
    cancelledAt: null,
  };
  insert.run({ ...row, name: "pending", data: '{"b":1,"a":2}', priority: 1 });
  insert.run({ ...row, name: "running", lockedBy: "w1", lockedUntil: now + HOUR, retryCount: 1 });
  insert.run({ ...row, name: "finished", isComplete: 1, completedAt: now - 1000 });
  insert.run({
    ...row,
    name: "failed",
    isComplete: 1,
    completedAt: now,
    failedAt: now,
    lastError: "boom",
    retryCount: 3,
  });
  insert.run({ ...row, name: "cancelled", isComplete: 1, completedAt: now, cancelledAt: now });
  insert.run({ ...row, name: "nightly", cron: "0 3 * * *", scheduledAt: now + HOUR });
  db.prepare(
    `INSERT INTO ${t}_file (id, bucket_name, name, content_type, content_length, meta, created_at, updated_at)
     VALUES ('6f1c1c8e-0000-4000-8000-000000000001', 'b', 'a.txt', 'text/plain', 3, '{"k":1}', ?, ?)`,
  ).run(now, now);
  db.prepare(
    `INSERT INTO ${t}_session (id, data, checksum, revoked_at, created_at, updated_at)
     VALUES ('6f1c1c8e-0000-4000-8000-000000000002', '{}', 'c', NULL, ?, ?)`,
  ).run(now, now);
  db.prepare(
    `INSERT INTO ${t}_session_token (id, session, expires_at, refresh_token, revoked_at, created_at)
     VALUES ('6f1c1c8e-0000-4000-8000-000000000003', '6f1c1c8e-0000-4000-8000-000000000002', ?, NULL, NULL, ?)`,
  ).run(now + HOUR, now);
}

describeSchemaUpgrade({
  label: "sqlite",
  createFrozen: async (t) => {
    for (const statement of frozenStatements(FROZEN, { __TABLE__: t })) db.exec(statement);
  },
  seed: async (t) => seed(t),
  contents: async (t) =>
    ["", "_file", "_session", "_session_token"].map((suffix) =>
      db.prepare(`SELECT * FROM ${t}${suffix} ORDER BY id`).all(),
    ),
  catalog: async (t) => readSqliteCatalog(db, t),
  // SQLite's names and defaults were the shared ones already: only the index migration 7
  // drops exists, so that is the step a dead run may have done.
  interrupt: async (t) => {
    db.exec(`DROP INDEX ${t}_completed_at_idx`);
  },
  forgetVersions: async (t, from) => {
    db.prepare(`DELETE FROM ${t}_migrations WHERE version >= ?`).run(from);
  },
  open: async (t) => createSqliteAdapter({ filename, tableName: t }),
  drop: async (t) => {
    for (const suffix of TABLES) db.exec(`DROP TABLE IF EXISTS ${t}${suffix}`);
  },
});
