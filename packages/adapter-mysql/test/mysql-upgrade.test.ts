import { readFileSync } from "node:fs";
import { claimRequest, uniqueTableName } from "@docket/core/testing";
import mysql, { type Pool, type RowDataPacket } from "mysql2/promise";
import { afterAll, describe, expect, it } from "vitest";
import { createMysqlAdapter } from "../src/index.ts";
import { pickExactCollation, selectExactCollations } from "../src/mysql-migrations.ts";
import { readMysqlCatalog } from "./mysql-catalog.ts";
import { mysqlAvailable, mysqlUrl } from "./mysql-database.ts";

/** The release before migration 7, frozen as its DDL (see the fixture's header). */
const FROZEN = readFileSync(new URL("./fixtures/schema-v6.sql", import.meta.url), "utf8");

const tables: string[] = [];
let admin: Pool | null = null;
async function pool(): Promise<Pool> {
  admin ??= mysql.createPool({ uri: await mysqlUrl(), connectionLimit: 2, charset: "utf8mb4" });
  return admin;
}

afterAll(async () => {
  if (admin === null) return;
  for (const t of tables) {
    await admin.query(
      `DROP TABLE IF EXISTS ${t}_session_token, ${t}_session, ${t}_file, ${t}_migrations, ${t}`,
    );
  }
  await admin.end();
});

function table(): string {
  const name = uniqueTableName();
  tables.push(name);
  return name;
}

async function createFrozen(t: string): Promise<void> {
  const db = await pool();
  const [collations] = await db.query<RowDataPacket[]>(selectExactCollations);
  const exact = pickExactCollation(collations.map((row) => String(row.name)));
  for (const statement of FROZEN.replace(/^--.*\n/, "").split(/;\n/)) {
    if (statement.trim() === "") continue;
    await db.query(statement.replaceAll("__TABLE__", t).replaceAll("__COLLATION__", exact));
  }
}

/** Rows in every state the old release could leave behind. */
async function seed(t: string): Promise<void> {
  const db = await pool();
  const now = "UTC_TIMESTAMP(3)";
  await db.query(
    `INSERT INTO ${t} (name, data, priority, scheduled_at, retry_count, is_complete, created_at,
       updated_at, locked_by, locked_until, last_error, completed_at, failed_at, cron_expression,
       cancelled_at) VALUES
     ('pending', '{"b":1,"a":2}', 1, ${now} - INTERVAL 1 HOUR, 0, 0, ${now}, ${now}, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
     ('running', '{}', 5, ${now} - INTERVAL 1 HOUR, 1, 0, ${now}, ${now}, 'w1', ${now} + INTERVAL 1 HOUR, NULL, NULL, NULL, NULL, NULL),
     ('finished', '{}', 5, ${now}, 0, 1, ${now}, ${now}, NULL, NULL, NULL, ${now}, NULL, NULL, NULL),
     ('failed', '{}', 5, ${now}, 3, 1, ${now}, ${now}, NULL, NULL, 'boom', ${now}, ${now}, NULL, NULL),
     ('cancelled', '{}', 5, ${now}, 0, 1, ${now}, ${now}, NULL, NULL, NULL, ${now}, NULL, NULL, ${now}),
     ('nightly', '{}', 5, ${now} + INTERVAL 1 HOUR, 0, 0, ${now}, ${now}, NULL, NULL, NULL, NULL, NULL, '0 3 * * *', NULL)`,
  );
  await db.query(
    `INSERT INTO ${t}_file (id, bucket_name, name, content_type, content_length, meta, created_at, updated_at)
     VALUES ('6f1c1c8e-0000-4000-8000-000000000001', 'b', 'a.txt', 'text/plain', 3, '{"k":1}', ${now}, ${now})`,
  );
  await db.query(
    `INSERT INTO ${t}_session (id, data, checksum, created_at, updated_at)
     VALUES ('6f1c1c8e-0000-4000-8000-000000000002', '{}', 'c', ${now}, ${now})`,
  );
  await db.query(
    `INSERT INTO ${t}_session_token (id, session, expires_at, created_at)
     VALUES ('6f1c1c8e-0000-4000-8000-000000000003', '6f1c1c8e-0000-4000-8000-000000000002',
       ${now} + INTERVAL 1 HOUR, ${now})`,
  );
}

async function contents(t: string): Promise<unknown[]> {
  const db = await pool();
  const all: unknown[] = [];
  for (const suffix of ["", "_file", "_session", "_session_token"]) {
    all.push((await db.query(`SELECT * FROM ${t}${suffix} ORDER BY id`))[0]);
  }
  return all;
}

async function migrate(t: string): Promise<void> {
  const adapter = createMysqlAdapter({ uri: await mysqlUrl(), tableName: t, poolSize: 2 });
  try {
    await adapter.migrate();
  } finally {
    await adapter.close();
  }
}

describe.runIf(mysqlAvailable())(
  "mysql: upgrading a queue made by the release before migration 7",
  () => {
    it("keeps every row and ends with the schema a fresh migrate() creates", async () => {
      const old = table();
      await createFrozen(old);
      await seed(old);
      const before = await contents(old);
      await migrate(old);
      expect(await contents(old)).toEqual(before);

      const fresh = table();
      await migrate(fresh);
      const db = await pool();
      expect(await readMysqlCatalog(db, old)).toEqual(await readMysqlCatalog(db, fresh));
      const [versions] = await db.query<RowDataPacket[]>(
        `SELECT version FROM ${old}_migrations ORDER BY version`,
      );
      expect(versions.map((row) => Number(row.version))).toEqual([1, 3, 4, 5, 6, 7]);

      // The upgraded queue still works: the running row's lease is live, the pending one is claimed.
      const adapter = createMysqlAdapter({ uri: await mysqlUrl(), tableName: old, poolSize: 2 });
      try {
        const { jobs } = await adapter.claim(claimRequest({ names: ["pending", "running"] }));
        expect(jobs.map((job) => job.name)).toEqual(["pending"]);
      } finally {
        await adapter.close();
      }
    });

    it("finishes a run that stopped after some DDL of migration 7 (DDL commits at once)", async () => {
      const t = table();
      await createFrozen(t);
      const db = await pool();
      // Committed already when the process died: two of migration 7's statements.
      await db.query(`ALTER TABLE ${t} RENAME INDEX ${t}_claim TO ${t}_claim_idx`);
      await db.query(`ALTER TABLE ${t} DROP INDEX ${t}_completed`);
      await migrate(t);
      // And again with versions 5-7 forgotten: every step finds its effect and skips.
      await db.query(`DELETE FROM ${t}_migrations WHERE version >= 5`);
      await migrate(t);
      const fresh = table();
      await migrate(fresh);
      expect(await readMysqlCatalog(db, t)).toEqual(await readMysqlCatalog(db, fresh));
    });
  },
);
