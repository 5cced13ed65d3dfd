import type { StorageAdapter } from "@docket/core";
import { type AdapterHarness, tableOf, uniqueTableName } from "@docket/core/testing";
import mysql, { type Pool, type PoolConnection } from "mysql2/promise";
import { createMysqlAdapter } from "../src/index.ts";
import { inspectMysqlSchema } from "./mysql-catalog.ts";
import { mysqlUrl } from "./mysql-database.ts";

/** Connections per adapter in tests: many adapters run at once on a shared server. */
const TEST_POOL_SIZE = 4;

/**
 * The MySQL `AdapterHarness`: every `create()` gets its own table on the test database
 * through an adapter that owns its pool; native transactions are a pooled connection
 * with `beginTransaction()`, as an application would write them. The marker side table
 * is created up front: DDL would commit a transaction implicitly.
 */
export function createMysqlHarness(): AdapterHarness & { url(): Promise<string> } {
  const adapters: StorageAdapter[] = [];
  const tables = new Set<string>();
  let admin: Pool | null = null;

  const adminPool = async () => {
    admin ??= mysql.createPool({ uri: await mysqlUrl(), connectionLimit: 2, charset: "utf8mb4" });
    return admin;
  };

  const open = async (tableName: string) => {
    const adapter = createMysqlAdapter({
      uri: await mysqlUrl(),
      tableName,
      poolSize: TEST_POOL_SIZE,
    });
    adapters.push(adapter);
    return adapter;
  };

  const markerTable = (adapter: StorageAdapter) => `${tableOf(adapter)}_marker`;

  return {
    label: "mysql",
    url: mysqlUrl,

    async create(options) {
      const tableName = options?.tableName ?? uniqueTableName();
      tables.add(tableName);
      const adapter = await open(tableName);
      await adapter.migrate();
      const pool = await adminPool();
      await pool.query(
        `CREATE TABLE IF NOT EXISTS ${tableName}_marker (marker VARCHAR(255) NOT NULL) ` +
          "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
      );
      return adapter;
    },

    async inspectSchema(adapter) {
      return inspectMysqlSchema(await adminPool(), tableOf(adapter));
    },

    async reopen(adapter) {
      return open(tableOf(adapter));
    },

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

    async writeMarker(adapter, db, marker) {
      await (db as Pool | PoolConnection).execute(
        `INSERT INTO ${markerTable(adapter)} (marker) VALUES (?)`,
        [marker],
      );
    },

    async countMarkers(adapter, marker) {
      const pool = await adminPool();
      const [rows] = await pool.execute<mysql.RowDataPacket[]>(
        `SELECT COUNT(*) AS count FROM ${markerTable(adapter)} WHERE marker = ?`,
        [marker],
      );
      return Number(rows[0]?.count ?? 0);
    },

    async teardown() {
      const opened = adapters.splice(0);
      await Promise.all(opened.map((adapter) => adapter.close()));
      const dropping = [...tables];
      tables.clear();
      if (admin !== null) {
        const pool = admin;
        admin = null;
        for (const table of dropping) {
          await pool.query(
            `DROP TABLE IF EXISTS ${table}, ${table}_migrations, ${table}_marker, ${table}_file, ` +
              `${table}_session_token, ${table}_session`,
          );
        }
        await pool.end();
      }
    },
  };
}

export { tableOf, uniqueTableName };
