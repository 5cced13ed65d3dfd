import { readFileSync } from "node:fs";
import { claimRequest, uniqueTableName } from "@docket/core/testing";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresAdapter } from "../src/index.ts";
import { readPostgresCatalog } from "./postgres-catalog.ts";
import { postgresAvailable, postgresUrl } from "./postgres-database.ts";

/** The release before migration 7, frozen as its DDL (see the fixture's header). */
const FROZEN = readFileSync(new URL("./fixtures/schema-v6.sql", import.meta.url), "utf8");

const tables: string[] = [];
let admin: pg.Pool | null = null;
async function pool(): Promise<pg.Pool> {
  admin ??= new pg.Pool({ connectionString: await postgresUrl(), max: 2 });
  return admin;
}

afterAll(async () => {
  if (admin === null) return;
  for (const t of tables) {
    await admin.query(
      `DROP TABLE IF EXISTS "${t}", "${t}_migrations", "${t}_file", "${t}_session_token", "${t}_session"`,
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
  for (const statement of FROZEN.replace(/^--.*\n/, "").split(/;\n/)) {
    if (statement.trim() !== "") await db.query(statement.replaceAll("__TABLE__", t));
  }
}

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
    // data as text: json keeps key order, and the comparison should see it.
    const select = suffix === "" ? "*, data::text AS data_text" : "*";
    all.push((await db.query(`SELECT ${select} FROM "${t}${suffix}" ORDER BY id`)).rows);
  }
  return all;
}

async function migrate(t: string): Promise<void> {
  const adapter = createPostgresAdapter({
    connectionString: await postgresUrl(),
    tableName: t,
    poolSize: 2,
  });
  try {
    await adapter.migrate();
  } finally {
    await adapter.close();
  }
}

describe.runIf(postgresAvailable())(
  "postgres: upgrading a queue made by the release before migration 7",
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
      expect(await readPostgresCatalog(db, old)).toEqual(await readPostgresCatalog(db, fresh));
      const versions = await db.query(`SELECT version FROM "${old}_migrations" ORDER BY version`);
      expect(versions.rows.map((row) => row.version)).toEqual([1, 3, 4, 5, 6, 7]);

      // The upgraded queue still works: the running row's lease is live, the pending one is claimed.
      const adapter = createPostgresAdapter({
        connectionString: await postgresUrl(),
        tableName: old,
        poolSize: 2,
      });
      try {
        const { jobs } = await adapter.claim(claimRequest({ names: ["pending", "running"] }));
        expect(jobs.map((job) => job.name)).toEqual(["pending"]);
      } finally {
        await adapter.close();
      }
    });

    it("finishes a run that stopped after some operations of migration 7", async () => {
      const t = table();
      await createFrozen(t);
      const db = await pool();
      // As if a run had renamed one index and then stopped before recording 7.
      await db.query(`ALTER INDEX "${t}_cron_uidx" RENAME TO "${t}_cron_pending_idx"`);
      await migrate(t);
      const fresh = table();
      await migrate(fresh);
      expect(await readPostgresCatalog(db, t)).toEqual(await readPostgresCatalog(db, fresh));
    });
  },
);
