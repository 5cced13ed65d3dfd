import mysql from "mysql2";
import { expect, it } from "vitest";
import { createMysqlAdapter } from "../src/index.ts";
import { resolveMysqlOptions } from "../src/mysql-options.ts";
import { mysqlUrl } from "./mysql-database.ts";
import { describeMysql, newJob, setupMysql } from "./mysql-test-helpers.ts";

describeMysql("mysql adapter options", () => {
  const { callerPool, adapterOnPool, sql } = setupMysql();

  it("rejects unknown keys, wrong types and conflicting options with invalid_option", async () => {
    const pool = await callerPool();
    const cases: [unknown, string][] = [
      [undefined, "options"],
      [{}, "uri"],
      [{ uri: 5 }, "uri"],
      [{ uri: "postgres://x/y" }, "uri"],
      [{ uri: "mysql://h/db", poolSize: 0 }, "poolSize"],
      [{ uri: "mysql://h/db", poolSize: 1.5 }, "poolSize"],
      [{ uri: "mysql://h/db", tableName: "bad-name" }, "tableName"],
      [{ uri: "mysql://h/db", tableName: "x".repeat(38) }, "tableName"],
      [{ uri: "mysql://h/db", tablename: "job" }, "tablename"],
      [{ uri: "mysql://h/db", pool }, "pool"],
      [{ pool, poolSize: 3 }, "poolSize"],
      [{ pool: {} }, "pool"],
    ];
    for (const [options, field] of cases) {
      let caught: unknown;
      try {
        createMysqlAdapter(options as never);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(field)).toMatchObject({ code: "invalid_option", field });
      expect((caught as Error).message).toMatch(new RegExp(`^expected ${field} to be .+, got: `));
    }
  });

  it("fills defaults and freezes the result", () => {
    const resolved = resolveMysqlOptions({ uri: "mariadb://root@localhost/test" });
    expect(resolved).toEqual({
      kind: "uri",
      uri: "mysql://root@localhost/test",
      poolSize: 10,
      tableName: "docket_job",
    });
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it("never ends a pool the caller passed in, and ends its own", async () => {
    const pool = await callerPool();
    const adapter = await adapterOnPool(pool);
    expect(adapter.db).toBe(pool);
    await adapter.enqueue([newJob()]);
    await adapter.close();
    const [rows] = await pool.query("SELECT 1 AS one");
    expect(rows).toEqual([{ one: 1 }]);

    const own = createMysqlAdapter({ uri: await mysqlUrl(), poolSize: 1 });
    const ownPool = own.db as mysql.Pool;
    await own.now();
    await own.close();
    await expect(
      (ownPool as unknown as { query(sql: string): Promise<unknown> }).query("SELECT 1"),
    ).rejects.toThrow(/closed/i);
  });

  it("accepts a callback-style mysql2 pool through its promise() wrapper", async () => {
    const callbackPool = mysql.createPool({ uri: await mysqlUrl(), connectionLimit: 2 });
    try {
      const adapter = await adapterOnPool(callbackPool as never);
      const [id] = await adapter.enqueue([newJob({ name: "cb" })]);
      expect((await adapter.getJob(id!))!.name).toBe("cb");
      await adapter.close();
    } finally {
      await new Promise((resolve) => callbackPool.end(resolve));
    }
  });

  it("refuses to enqueue through a pool whose connections are not utf8mb4", async () => {
    const pool = await callerPool([], { charset: "utf8_general_ci" });
    const adapter = await adapterOnPool(pool);
    await expect(adapter.enqueue([newJob({ dataJson: '{"e":"🎉"}' })])).rejects.toMatchObject({
      code: "invalid_option",
      field: "pool",
    });
    const count = await sql<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${adapter.queueKey.split("#")[1]}`,
    );
    expect(Number(count[0]!.n)).toBe(0);
  });
});
