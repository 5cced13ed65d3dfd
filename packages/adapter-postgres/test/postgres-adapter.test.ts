import { DocketError } from "@docket/core";
import { SCHEMA_MIGRATIONS } from "@docket/core/adapter";
import pg from "pg";
import { expect, it } from "vitest";
import { createPostgresAdapter } from "../src/index.ts";
import { postgresUrl } from "./postgres-database.ts";
import { uniqueTableName } from "./postgres-harness.ts";
import {
  claimRequest,
  describePostgres,
  newJob,
  quoted,
  setupPostgres,
} from "./postgres-test-helpers.ts";

// What only Postgres does; the seam's behaviour is checked by the shared conformance suite.

describePostgres("postgres adapter: ids, migrations, the caller's handles, schemas", () => {
  const { harness, sql } = setupPostgres();

  it("returns ids past 2^31 as numbers", async () => {
    const adapter = await harness.create();
    await sql(`ALTER SEQUENCE "${adapter.queueKey.split("#")[1]}_id_seq" RESTART WITH 3000000000`);
    const ids = await adapter.enqueue([newJob({ name: "a" }), newJob({ name: "b" })]);
    expect(ids).toEqual([3_000_000_000, 3_000_000_001]);
    expect((await adapter.getJob(ids[1]!))!.name).toBe("b");
    const claimed = await adapter.claim(claimRequest({ names: ["b"] }));
    expect(claimed.jobs.map((job) => job.id)).toEqual([3_000_000_001]);
  });

  it("migrates idempotently, also when ten processes migrate at once", async () => {
    const tableName = uniqueTableName();
    const url = await postgresUrl();
    const adapters = Array.from({ length: 10 }, () =>
      createPostgresAdapter({ connectionString: url, tableName, poolSize: 1 }),
    );
    try {
      await Promise.all(adapters.map((adapter) => adapter.migrate()));
      await adapters[0]!.migrate();
      const versions = await sql<{ version: number }>(
        `SELECT version FROM "${tableName}_migrations"`,
      );
      expect(versions.map((row) => row.version).sort((a, b) => a - b)).toEqual(
        SCHEMA_MIGRATIONS.map((migration) => migration.version),
      );
      const [id] = await adapters[1]!.enqueue([newJob()]);
      expect((await adapters[2]!.getJob(id!))!.name).toBe("job");
    } finally {
      await Promise.all(adapters.map((adapter) => adapter.close()));
      await sql(
        `DROP TABLE IF EXISTS "${tableName}", "${tableName}_migrations", "${tableName}_file", ` +
          `"${tableName}_session_token", "${tableName}_session"`,
      );
    }
  });

  it("never commits, rolls back or releases the caller's client; its writes stay inside", async () => {
    const adapter = await harness.create();
    const client = await (adapter.db as pg.Pool).connect();
    try {
      await client.query("BEGIN");
      const bound = adapter.withTransaction(client);
      expect(bound.db).toBe(client);
      await bound.enqueue([newJob()]);
      await bound.close();
      // Still inside the caller's transaction.
      const status = await client.query(`SELECT count(*)::int AS n FROM ${quoted(adapter)}`);
      expect(status.rows[0].n).toBe(1);
      // Not visible outside the transaction before it ends.
      expect(await adapter.listJobs({ limit: 10 })).toEqual([]);
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(await adapter.listJobs({ limit: 10 })).toEqual([]);
  });

  it("leaves a caller's pool open on close(), and refuses calls after close", async () => {
    const adapter = await harness.create();
    const pool = new pg.Pool({ connectionString: await postgresUrl(), max: 2 });
    pool.on("error", () => {});
    try {
      const borrowed = createPostgresAdapter({ pool, tableName: adapter.queueKey.split("#")[1]! });
      expect(borrowed.db).toBe(pool);
      await borrowed.enqueue([newJob()]);
      await borrowed.close();
      await borrowed.close();
      expect((await pool.query("SELECT 1 AS one")).rows[0].one).toBe(1);
      const error = await borrowed.enqueue([newJob()]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DocketError);
      expect((error as DocketError).code).toBe("closed");
      // Two adapters on one pool and different tables: prepared statement names never clash.
      const second = await harness.create();
      const a = createPostgresAdapter({ pool, tableName: adapter.queueKey.split("#")[1]! });
      const b = createPostgresAdapter({ pool, tableName: second.queueKey.split("#")[1]! });
      for (let i = 0; i < 3; i++) {
        await a.enqueue([newJob({ name: "a" })]);
        await b.enqueue([newJob({ name: "b" })]);
        await a.claim(claimRequest({ names: ["a"] }));
        await b.claim(claimRequest({ names: ["b"] }));
      }
      expect((await b.listJobs({ limit: 10 })).map((job) => job.name)).toEqual(["b", "b", "b"]);
    } finally {
      await pool.end();
    }
  });

  it("works in a named schema", async () => {
    const schema = `s_${uniqueTableName()}`;
    await sql(`CREATE SCHEMA "${schema}"`);
    const adapter = createPostgresAdapter({
      connectionString: await postgresUrl(),
      schema,
      tableName: "order", // a reserved word: identifiers are quoted
      poolSize: 2,
    });
    try {
      await adapter.migrate();
      const [id] = await adapter.enqueue([newJob()]);
      expect(adapter.queueKey).toMatch(new RegExp(`#${schema}\\.order$`));
      const rows = await sql(`SELECT id FROM "${schema}"."order"`);
      expect(rows.map((row) => Number(row.id))).toEqual([id]);
    } finally {
      await adapter.close();
      await sql(`DROP SCHEMA "${schema}" CASCADE`);
    }
  });
});

describePostgres("postgres adapter options", () => {
  const invalid = (options: unknown, field: string) => {
    let error: unknown;
    try {
      createPostgresAdapter(options as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DocketError);
    expect((error as DocketError).code).toBe("invalid_option");
    expect((error as DocketError).field).toBe(field);
    expect((error as DocketError).message).toMatch(
      new RegExp(`^expected ${field} to be .+, got: `),
    );
  };

  it("rejects unknown keys, wrong types and ambiguous connections", () => {
    const url = "postgres://localhost/x";
    invalid(undefined, "options");
    invalid({}, "connectionString");
    invalid({ connectionString: url, pool: new pg.Pool() }, "pool");
    invalid({ connectionString: "" }, "connectionString");
    invalid({ pool: {} }, "pool");
    invalid({ connectionString: url, tableNmae: "x" }, "tableNmae");
    invalid({ connectionString: url, tableName: 'x"; DROP TABLE y; --' }, "tableName");
    invalid({ connectionString: url, schema: "a.b" }, "schema");
    invalid({ connectionString: url, notify: "yes" }, "notify");
    invalid({ connectionString: url, poolSize: 0 }, "poolSize");
    invalid({ connectionString: url, poolSize: 1.5 }, "poolSize");
    invalid({ pool: new pg.Pool(), poolSize: 3 }, "poolSize");
  });

  it("accepts valid options without connecting", async () => {
    const adapter = createPostgresAdapter({
      connectionString: "postgres://nobody@127.0.0.1:1/none",
      tableName: "jobs",
      notify: false,
      poolSize: 2,
    });
    expect(adapter.dialect).toBe("postgres");
    expect(adapter.queueKey).toBe("postgres:nobody@127.0.0.1:1/none#jobs");
    expect(adapter.subscribe).toBeUndefined();
    await adapter.close();
  });

  it("reports an unreachable database as a retryable connection error", async () => {
    const adapter = createPostgresAdapter({
      connectionString: "postgres://nobody@127.0.0.1:1/none",
    });
    try {
      const error = await adapter.now().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DocketError);
      expect((error as DocketError).code).toBe("connection_error");
      expect((error as DocketError).retryable).toBe(true);
      expect((error as DocketError).cause).toBeDefined();
    } finally {
      await adapter.close();
    }
  });
});
