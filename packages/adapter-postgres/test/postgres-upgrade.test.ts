import { readFileSync } from "node:fs";
import { describeSchemaUpgrade, frozenStatements } from "@docket/core/testing";
import pg from "pg";
import { afterAll, describe } from "vitest";
import { createPostgresAdapter } from "../src/index.ts";
import { readPostgresCatalog } from "./postgres-catalog.ts";
import { postgresAvailable, postgresUrl } from "./postgres-database.ts";

/** The release before migration 7, frozen as its DDL (see the fixture's header). */
const FROZEN = readFileSync(new URL("./fixtures/schema-v6.sql", import.meta.url), "utf8");

let admin: pg.Pool | null = null;
async function pool(): Promise<pg.Pool> {
  admin ??= new pg.Pool({ connectionString: await postgresUrl(), max: 2 });
  return admin;
}
afterAll(async () => {
  await admin?.end();
});

/** Rows in every state the old release could leave behind. */
async function seed(t: string): Promise<void> {
  const db = await pool();
  const now = "statement_timestamp()";
  await db.query(
    `INSERT INTO "${t}" (name, data, priority, scheduled_at, retry_count, is_complete, locked_by,
       locked_until, last_error, completed_at, failed_at, cron_expression, cancelled_at) VALUES
     ('pending', '{"b":1,"a":2}', 1, ${now} - interval '1 hour', 0, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
     ('running', '{}', 5, ${now} - interval '1 hour', 1, false, 'w1', ${now} + interval '1 hour', NULL, NULL, NULL, NULL, NULL),
     ('finished', '{}', 5, ${now}, 0, true, NULL, NULL, NULL, ${now}, NULL, NULL, NULL),
     ('failed', '{}', 5, ${now}, 3, true, NULL, NULL, 'boom', ${now}, ${now}, NULL, NULL),
     ('cancelled', '{}', 5, ${now}, 0, true, NULL, NULL, NULL, ${now}, NULL, NULL, ${now}),
     ('nightly', '{}', 5, ${now} + interval '1 hour', 0, false, NULL, NULL, NULL, NULL, NULL, '0 3 * * *', NULL)`,
  );
  await db.query(
    `INSERT INTO "${t}_file" (id, bucket_name, name, content_type, content_length, meta, created_at, updated_at)
     VALUES ('6f1c1c8e-0000-4000-8000-000000000001', 'b', 'a.txt', 'text/plain', 3, '{"k":1}', ${now}, ${now})`,
  );
  await db.query(
    `INSERT INTO "${t}_session" (id, data, checksum, created_at, updated_at)
     VALUES ('6f1c1c8e-0000-4000-8000-000000000002', '{}', 'c', ${now}, ${now})`,
  );
  await db.query(
    `INSERT INTO "${t}_session_token" (id, session, expires_at, created_at)
     VALUES ('6f1c1c8e-0000-4000-8000-000000000003', '6f1c1c8e-0000-4000-8000-000000000002',
       ${now} + interval '1 hour', ${now})`,
  );
}

async function contents(t: string): Promise<unknown[]> {
  const db = await pool();
  const all: unknown[] = [];
  for (const suffix of ["", "_file", "_session", "_session_token"]) {
    // data as text too: json keeps key order, and the comparison should see it.
    const select = suffix === "" ? "*, data::text AS data_text" : "*";
    all.push((await db.query(`SELECT ${select} FROM "${t}${suffix}" ORDER BY id`)).rows);
  }
  return all;
}

describe.runIf(postgresAvailable())("postgres schema upgrade", () => {
  describeSchemaUpgrade({
    label: "postgres",
    createFrozen: async (t) => {
      const db = await pool();
      for (const statement of frozenStatements(FROZEN, { __TABLE__: t })) await db.query(statement);
    },
    seed,
    contents,
    catalog: async (t) =>
      readPostgresCatalog(
        async (text, values) => (await (await pool()).query(text, [...values])).rows,
        t,
      ),
    interrupt: async (t) => {
      await (await pool()).query(`ALTER INDEX "${t}_cron_uidx" RENAME TO "${t}_cron_pending_idx"`);
    },
    forgetVersions: async (t, from) => {
      await (await pool()).query(`DELETE FROM "${t}_migrations" WHERE version >= $1`, [from]);
    },
    open: async (t) =>
      createPostgresAdapter({ connectionString: await postgresUrl(), tableName: t, poolSize: 2 }),
    drop: async (t) => {
      await (await pool()).query(
        `DROP TABLE IF EXISTS "${t}", "${t}_migrations", "${t}_file", "${t}_session_token", "${t}_session"`,
      );
    },
  });
});
