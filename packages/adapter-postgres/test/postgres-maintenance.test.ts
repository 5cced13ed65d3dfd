import { DocketError, type StorageAdapter } from "@docket/core";
import type { CronDefinition } from "@docket/core/adapter";
import pg from "pg";
import { expect, it } from "vitest";
import { createPostgresAdapter } from "../src/index.ts";
import { POSTGRES_MIGRATIONS } from "../src/postgres-migrations.ts";
import { postgresUrl } from "./postgres-database.ts";
import { uniqueTableName } from "./postgres-harness.ts";
import {
  claimRequest,
  describePostgres,
  newJob,
  outcome,
  quoted,
  setupPostgres,
} from "./postgres-test-helpers.ts";

function cron(name: string, overrides: Partial<CronDefinition> = {}): CronDefinition {
  return {
    name,
    cronExpression: "0 * * * *",
    priority: 4,
    nextRunAt: new Date(Date.now() + 3_600_000),
    dataJson: JSON.stringify({ jobType: "compas.queue.cronJob", cronExpression: "0 * * * *" }),
    ...overrides,
  };
}

async function pendingCronRows(
  sql: ReturnType<typeof setupPostgres>["sql"],
  adapter: StorageAdapter,
) {
  return sql<{
    id: string;
    name: string;
    cron_expression: string;
    priority: number;
    scheduled_at: Date;
  }>(
    `SELECT id, name, cron_expression, priority, scheduled_at FROM ${quoted(adapter)}
     WHERE cron_expression IS NOT NULL AND NOT is_complete ORDER BY name`,
  );
}

describePostgres("postgres adapter: cron, cleanup, reading, migrations, transactions", () => {
  const { harness, sql } = setupPostgres();

  it("registers cron rows: removes unknown, keeps unchanged, re-times changed, spares normal jobs", async () => {
    const adapter = await harness.create();
    await adapter.syncCron([cron("keep"), cron("change"), cron("drop")]);
    const [normal] = await adapter.enqueue([newJob({ name: "drop" })]);
    const [history] = await adapter.enqueue([newJob({ name: "drop" })]);
    await sql(
      `UPDATE ${quoted(adapter)} SET cron_expression = '* * * * *', is_complete = true,
       completed_at = now() WHERE id = $1`,
      [history],
    );
    const before = await pendingCronRows(sql, adapter);

    const retimed = new Date(Date.now() + 120_000);
    await adapter.syncCron([
      cron("keep", { nextRunAt: new Date(Date.now() + 999_999) }),
      cron("change", { cronExpression: "*/2 * * * *", nextRunAt: retimed, dataJson: '{"v":2}' }),
      cron("new"),
    ]);
    const after = await pendingCronRows(sql, adapter);
    expect(after.map((row) => row.name)).toEqual(["change", "keep", "new"]);
    const keep = after.find((row) => row.name === "keep")!;
    expect(keep).toEqual(before.find((row) => row.name === "keep"));
    const change = after.find((row) => row.name === "change")!;
    expect(change.cron_expression).toBe("*/2 * * * *");
    expect(change.scheduled_at).toEqual(retimed);
    expect(change.id).toBe(before.find((row) => row.name === "change")!.id);
    expect((await adapter.getJob(Number(change.id)))!.data).toEqual({ v: 2 });
    // The normal job and the finished cron row named "drop" are untouched.
    expect((await adapter.getJob(normal!))!.cronExpression).toBeNull();
    expect((await adapter.getJob(history!))!.isComplete).toBe(true);

    // A changed priority alone also re-times.
    await adapter.syncCron([cron("keep", { priority: 1, nextRunAt: retimed })]);
    const last = await pendingCronRows(sql, adapter);
    expect(last.map((row) => [row.name, row.priority])).toEqual([["keep", 1]]);
    expect(last[0]!.scheduled_at).toEqual(retimed);
  });

  it("ends with one pending row per name when ten registrations race", async () => {
    const adapter = await harness.create();
    const others = await Promise.all(Array.from({ length: 4 }, () => harness.reopen(adapter)));
    const all = [adapter, ...others];
    const definitions = [cron("a"), cron("b"), cron("c")];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => all[i % all.length]!.syncCron(definitions)),
    );
    const rows = await pendingCronRows(sql, adapter);
    expect(rows.map((row) => row.name)).toEqual(["a", "b", "c"]);
  });

  it("cleans up only finished rows older than the cut-off, at most limit", async () => {
    const adapter = await harness.create();
    const ids = await adapter.enqueue(Array.from({ length: 6 }, () => newJob()));
    const table = quoted(adapter);
    // Four old finished rows, one recent finished row, one pending row.
    await sql(
      `UPDATE ${table} SET is_complete = true, completed_at = now() - interval '10 days'
       WHERE id = ANY($1::bigint[])`,
      [ids.slice(0, 4)],
    );
    await sql(`UPDATE ${table} SET is_complete = true, completed_at = now() WHERE id = $1`, [
      ids[4],
    ]);
    const cutOff = new Date(Date.now() - 5 * 86_400_000);
    expect(await adapter.cleanup({ completedBefore: cutOff, limit: 3 })).toBe(3);
    expect(await adapter.cleanup({ completedBefore: cutOff, limit: 3 })).toBe(1);
    expect(await adapter.cleanup({ completedBefore: cutOff, limit: 3 })).toBe(0);
    const left = await sql<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`);
    expect(left.map((row) => Number(row.id))).toEqual([ids[4], ids[5]]);
  });

  it("counts pending, scheduled, running and failed jobs", async () => {
    const adapter = await harness.create();
    expect(await adapter.insights()).toEqual({
      pendingCount: 0,
      scheduledCount: 0,
      runningCount: 0,
      failedCount: 0,
    });
    const future = new Date(Date.now() + 3_600_000);
    await adapter.enqueue([
      newJob(),
      newJob(),
      newJob(),
      newJob({ scheduledAt: future }),
      newJob({ name: "unhandled" }),
    ]);
    const { jobs } = await adapter.claim(claimRequest({ limit: 2 }));
    await adapter.complete([outcome(jobs[0]!.id, jobs[0]!.lockedBy!, { kind: "failed" })]);
    expect(await adapter.insights()).toEqual({
      pendingCount: 3, // one running, one due, one unhandled
      scheduledCount: 1,
      runningCount: 1,
      failedCount: 1,
    });
  });

  it("lists jobs newest first by state, name and limit", async () => {
    const adapter = await harness.create();
    const [done, failed, running, pending, scheduled, other] = await adapter.enqueue([
      newJob(),
      newJob(),
      newJob(),
      newJob(),
      newJob({ scheduledAt: new Date(Date.now() + 3_600_000) }),
      newJob({ name: "other" }),
    ]);
    const { jobs } = await adapter.claim(claimRequest({ limit: 3 }));
    const token = jobs[0]!.lockedBy!;
    await adapter.complete([
      outcome(done!, token),
      outcome(failed!, token, { kind: "failed", error: "x" }),
    ]);
    const ids = async (query: Parameters<StorageAdapter["listJobs"]>[0]) =>
      (await adapter.listJobs(query)).map((job) => job.id);
    expect(await ids({ limit: 100 })).toEqual([other, scheduled, pending, running, failed, done]);
    expect(await ids({ limit: 2 })).toEqual([other, scheduled]);
    expect(await ids({ limit: 100, state: "completed" })).toEqual([done]);
    expect(await ids({ limit: 100, state: "failed" })).toEqual([failed]);
    expect(await ids({ limit: 100, state: "running" })).toEqual([running]);
    expect(await ids({ limit: 100, state: "scheduled" })).toEqual([scheduled]);
    expect(await ids({ limit: 100, state: "pending" })).toEqual([other, pending]);
    expect(await ids({ limit: 100, state: "pending", name: "job" })).toEqual([pending]);
    expect(await ids({ limit: 100, name: "other" })).toEqual([other]);
    expect(await ids({ limit: 100, name: "' OR 1=1 --" })).toEqual([]);
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
        POSTGRES_MIGRATIONS.map((migration) => migration.version),
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

  it("enqueues on the caller's transaction: rollback leaves no job, commit keeps it", async () => {
    const adapter = await harness.create();
    let rolledBack: number[] = [];
    await harness.inNativeTransaction(
      adapter,
      async (bound) => {
        expect(bound.queueKey).toBe(adapter.queueKey);
        rolledBack = await bound.enqueue([newJob({ name: "rolled-back" })]);
      },
      { rollback: true },
    );
    expect(await adapter.getJob(rolledBack[0]!)).toBeNull();
    let committed: number[] = [];
    await harness.inNativeTransaction(
      adapter,
      async (bound) => {
        committed = await bound.enqueue([newJob({ name: "committed" })]);
        // Not visible outside the transaction before the commit.
        expect(await adapter.getJob(committed[0]!)).toBeNull();
      },
      { rollback: false },
    );
    expect((await adapter.getJob(committed[0]!))!.name).toBe("committed");
  });

  it("never commits, rolls back or releases the caller's client", async () => {
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
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(await adapter.listJobs({ limit: 10 })).toEqual([]);
  });

  it("commits transaction(fn) with fn's writes and rolls both back when fn throws", async () => {
    const adapter = await harness.create();
    const [id] = await adapter.enqueue([newJob()]);
    const { jobs } = await adapter.claim(claimRequest());
    const token = jobs[0]!.lockedBy!;

    await expect(
      adapter.transaction(async (tx) => {
        await harness.writeMarker(adapter, tx.db, "failed-handler");
        await tx.adapter.complete([outcome(id!, token)]);
        throw new Error("handler failed");
      }),
    ).rejects.toThrow("handler failed");
    expect(await harness.countMarkers(adapter, "failed-handler")).toBe(0);
    expect((await adapter.getJob(id!))!.isComplete).toBe(false);

    const value = await adapter.transaction(async (tx) => {
      expect(tx.adapter.queueKey).toBe(adapter.queueKey);
      await harness.writeMarker(adapter, tx.db, "good-handler");
      return tx.adapter.complete([outcome(id!, token)]);
    });
    expect(value.recorded).toEqual([id]);
    expect(await harness.countMarkers(adapter, "good-handler")).toBe(1);
    expect((await adapter.getJob(id!))!.isComplete).toBe(true);
  });

  it("nests transaction(fn) on a bound adapter as a savepoint", async () => {
    const adapter = await harness.create();
    await adapter.transaction(async (tx) => {
      await tx.adapter.enqueue([newJob({ name: "outer" })]);
      await expect(
        tx.adapter.transaction(async (inner) => {
          await inner.adapter.enqueue([newJob({ name: "inner" })]);
          throw new Error("inner failed");
        }),
      ).rejects.toThrow("inner failed");
    });
    const names = (await adapter.listJobs({ limit: 10 })).map((job) => job.name);
    expect(names).toEqual(["outer"]);
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
