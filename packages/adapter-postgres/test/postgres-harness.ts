import { createServerHarness, tableOf, uniqueTableName } from "@docket/core/testing";
import pg from "pg";
import { createPostgresAdapter } from "../src/index.ts";
import { postgresUrl } from "./postgres-database.ts";

/** Connections per adapter in tests: many adapters run at once on a shared server. */
const TEST_POOL_SIZE = 4;

/**
 * The Postgres `AdapterHarness`: a table per `create()` on the test database; native
 * transactions are a pool client in `BEGIN`, as an application would write them.
 */
export function createPostgresHarness() {
  return createServerHarness({
    label: "postgres",
    url: postgresUrl,
    open: (url, tableName) =>
      createPostgresAdapter({ connectionString: url, tableName, poolSize: TEST_POOL_SIZE }),
    openPool(url) {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pool.on("error", () => {});
      return pool;
    },
    endPool: (pool) => (pool as pg.Pool).end(),
    run: async (db, sql, values = []) =>
      (await (db as pg.Pool | pg.ClientBase).query(sql, [...values])).rows,
    quote: (name) => `"${name}"`,
    placeholder: (index) => `$${index}`,
    markerColumns: "(marker text NOT NULL)",

    async inNativeTransaction(adapter, work, { rollback }) {
      const client = await (adapter.db as pg.Pool).connect();
      // Released with an error (so the pool drops it) only when the connection broke.
      let broken: Error | undefined;
      const end = async (statement: "COMMIT" | "ROLLBACK") => {
        try {
          await client.query(statement);
        } catch (error) {
          broken = error instanceof Error ? error : new Error(String(error));
          throw error;
        }
      };
      try {
        await client.query("BEGIN");
        try {
          await work(adapter.withTransaction(client));
        } catch (error) {
          await end("ROLLBACK");
          throw error;
        }
        await end(rollback ? "ROLLBACK" : "COMMIT");
      } finally {
        client.release(broken);
      }
    },
  });
}

export { tableOf, uniqueTableName };
