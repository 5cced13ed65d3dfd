import { readFileSync } from "node:fs";
import { describeSchemaUpgrade, frozenStatements } from "@docket/core/testing";
import mysql, { type Pool, type RowDataPacket } from "mysql2/promise";
import { afterAll, describe } from "vitest";
import { createMysqlAdapter } from "../src/index.ts";
import { pickExactCollation, selectExactCollations } from "../src/mysql-migrations.ts";
import { readMysqlCatalog } from "./mysql-catalog.ts";
import { mysqlAvailable, mysqlUrl } from "./mysql-database.ts";

/** The release before migration 7, frozen as its DDL (see the fixture's header). */
const FROZEN = readFileSync(new URL("./fixtures/schema-v6.sql", import.meta.url), "utf8");

let admin: Pool | null = null;
async function pool(): Promise<Pool> {
  admin ??= mysql.createPool({ uri: await mysqlUrl(), connectionLimit: 2, charset: "utf8mb4" });
  return admin;
}
afterAll(async () => {
  await admin?.end();
});

async function createFrozen(t: string): Promise<void> {
  const db = await pool();
  const [collations] = await db.query<RowDataPacket[]>(selectExactCollations);
  const exact = pickExactCollation(collations.map((row) => String(row.name)));
  for (const statement of frozenStatements(FROZEN, { __TABLE__: t, __COLLATION__: exact })) {
    await db.query(statement);
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

describe.runIf(mysqlAvailable())("mysql schema upgrade", () => {
  describeSchemaUpgrade({
    label: "mysql",
    createFrozen,
    seed,
    contents,
    catalog: async (t) =>
      readMysqlCatalog(
        async (text, values) => (await (await pool()).query(text, [...values]))[0] as unknown[],
        t,
      ),
    // DDL commits at once: a run that died may have done any prefix of migration 7.
    interrupt: async (t) => {
      const db = await pool();
      await db.query(`ALTER TABLE ${t} ALTER COLUMN priority SET DEFAULT 5`);
      await db.query(`ALTER TABLE ${t} RENAME INDEX ${t}_claim TO ${t}_claim_idx`);
      await db.query(`ALTER TABLE ${t} DROP INDEX ${t}_completed`);
    },
    forgetVersions: async (t, from) => {
      await (await pool()).query(`DELETE FROM ${t}_migrations WHERE version >= ?`, [from]);
    },
    open: async (t) => createMysqlAdapter({ uri: await mysqlUrl(), tableName: t, poolSize: 2 }),
    drop: async (t) => {
      await (await pool()).query(
        `DROP TABLE IF EXISTS ${t}_session_token, ${t}_session, ${t}_file, ${t}_migrations, ${t}`,
      );
    },
  });
});
