import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claimRequest, uniqueTableName } from "@docket/core/testing";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { createSqliteAdapter } from "../src/index.ts";
import { readSqliteCatalog } from "./sqlite-catalog.ts";

/** The release before migration 7, frozen as its DDL (see the fixture's header). */
const FROZEN = readFileSync(new URL("./fixtures/schema-v6.sql", import.meta.url), "utf8");

const filename = join(mkdtempSync(join(tmpdir(), "docket-sqlite-upgrade-")), "queue.db");
const db = new Database(filename, { timeout: 5000 });
db.pragma("journal_mode = WAL");
afterAll(() => db.close());

function createFrozen(table: string): void {
  for (const statement of FROZEN.replace(/^--.*\n/, "").split(/;\n/)) {
    if (statement.trim() !== "") db.exec(statement.replaceAll("__TABLE__", table));
  }
}

const HOUR = 3_600_000;

/** Rows in every state the old release could leave behind. */
function seed(table: string): void {
  const now = Date.now();
  const insert = db.prepare(
    `INSERT INTO ${table} (name, data, priority, scheduled_at, retry_count, is_complete,
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
    `INSERT INTO ${table}_file (id, bucket_name, name, content_type, content_length, meta, created_at, updated_at)
     VALUES ('6f1c1c8e-0000-4000-8000-000000000001', 'b', 'a.txt', 'text/plain', 3, '{"k":1}', ?, ?)`,
  ).run(now, now);
  db.prepare(
    `INSERT INTO ${table}_session (id, data, checksum, revoked_at, created_at, updated_at)
     VALUES ('6f1c1c8e-0000-4000-8000-000000000002', '{}', 'c', NULL, ?, ?)`,
  ).run(now, now);
  db.prepare(
    `INSERT INTO ${table}_session_token (id, session, expires_at, refresh_token, revoked_at, created_at)
     VALUES ('6f1c1c8e-0000-4000-8000-000000000003', '6f1c1c8e-0000-4000-8000-000000000002', ?, NULL, NULL, ?)`,
  ).run(now + HOUR, now);
}

function contents(table: string): unknown[] {
  return ["", "_file", "_session", "_session_token"].map((suffix) =>
    db.prepare(`SELECT * FROM ${table}${suffix} ORDER BY id`).all(),
  );
}

async function migrate(table: string): Promise<void> {
  const adapter = createSqliteAdapter({ filename, tableName: table });
  try {
    await adapter.migrate();
  } finally {
    await adapter.close();
  }
}

describe("sqlite: upgrading a queue made by the release before migration 7", () => {
  it("keeps every row and ends with the schema a fresh migrate() creates", async () => {
    const old = uniqueTableName();
    createFrozen(old);
    seed(old);
    const before = contents(old);
    await migrate(old);
    expect(contents(old)).toEqual(before);

    const fresh = uniqueTableName();
    await migrate(fresh);
    expect(readSqliteCatalog(db, old)).toEqual(readSqliteCatalog(db, fresh));
    const versions = db
      .prepare(`SELECT version, description FROM ${old}_migrations ORDER BY version`)
      .all();
    expect(versions).toEqual(
      db
        .prepare(`SELECT version, '' AS description FROM ${fresh}_migrations WHERE version < 7
        UNION ALL SELECT version, description FROM ${fresh}_migrations WHERE version = 7 ORDER BY version`)
        .all(),
    );

    // The upgraded queue still works: the running row's lease is live, the pending one is claimed.
    const adapter = createSqliteAdapter({ filename, tableName: old });
    try {
      const { jobs } = await adapter.claim(claimRequest({ names: ["pending", "running"] }));
      expect(jobs.map((job) => job.name)).toEqual(["pending"]);
    } finally {
      await adapter.close();
    }
  });

  it("finishes a run that stopped after some operations of migration 7", async () => {
    const table = uniqueTableName();
    createFrozen(table);
    // As if a run had dropped the superseded index and then stopped before recording 7.
    db.exec(`DROP INDEX ${table}_completed_at_idx`);
    await migrate(table);
    db.exec(`DELETE FROM ${table}_migrations WHERE version = 7`);
    await migrate(table);
    const fresh = uniqueTableName();
    await migrate(fresh);
    expect(readSqliteCatalog(db, table)).toEqual(readSqliteCatalog(db, fresh));
  });
});
