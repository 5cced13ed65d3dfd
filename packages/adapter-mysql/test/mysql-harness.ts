import { createServerHarness, tableOf, uniqueTableName } from "@docket/core/testing";
import mysql, { type Pool, type PoolConnection } from "mysql2/promise";
import { createMysqlAdapter } from "../src/index.ts";
import { mysqlUrl } from "./mysql-database.ts";

/** Connections per adapter in tests: many adapters run at once on a shared server. */
const TEST_POOL_SIZE = 4;

/**
 * The MySQL `AdapterHarness`: a table per `create()` on the test database; native
 * transactions are a pooled connection with `beginTransaction()`, as an application would
 * write them.
 */
export function createMysqlHarness() {
  return createServerHarness({
    label: "mysql",
    url: mysqlUrl,
    open: (uri, tableName) => createMysqlAdapter({ uri, tableName, poolSize: TEST_POOL_SIZE }),
    openPool: (uri) => mysql.createPool({ uri, connectionLimit: 2, charset: "utf8mb4" }),
    endPool: (pool) => (pool as Pool).end(),
    async run(db, sql, values = []) {
      const [rows] = await (db as Pool | PoolConnection).query(sql, [...values]);
      return rows as Record<string, unknown>[];
    },
    quote: (name) => `\`${name}\``,
    placeholder: () => "?",
    markerColumns: "(marker VARCHAR(255) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",

    async inNativeTransaction(adapter, work, { rollback }) {
      const connection: PoolConnection = await (adapter.db as Pool).getConnection();
      let broken = false;
      try {
        await connection.beginTransaction();
        try {
          await work(adapter.withTransaction(connection));
        } catch (error) {
          await connection.rollback();
          throw error;
        }
        if (rollback) await connection.rollback();
        else await connection.commit();
      } catch (error) {
        broken = true;
        throw error;
      } finally {
        if (broken) connection.destroy();
        else connection.release();
      }
    },
  });
}

export { tableOf, uniqueTableName };
