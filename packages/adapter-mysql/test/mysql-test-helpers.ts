import type { StorageAdapter } from "@docket/core";
import mysql, { type Pool, type ResultSetHeader, type RowDataPacket } from "mysql2/promise";
import { afterAll } from "vitest";
import { createMysqlAdapter } from "../src/index.ts";
import { mysqlDatabase, mysqlUrl } from "./mysql-database.ts";
import { createMysqlHarness, tableOf, uniqueTableName } from "./mysql-harness.ts";

/** `describe`, or `describe.skip` (with a loud notice) when no MySQL/MariaDB is available. */
export const describeMysql = mysqlDatabase.describe;

/**
 * A harness for one test file, torn down after it, with direct SQL on its side pool; and
 * adapters on caller-owned pools whose connections run `onConnect` statements first
 * (a session time zone, an sql_mode), as an application's pool might.
 */
export function setupMysql() {
  const harness = createMysqlHarness();
  const pools: Pool[] = [];
  const adapters: StorageAdapter[] = [];
  const tables: string[] = [];

  afterAll(async () => {
    await Promise.all(adapters.map((adapter) => adapter.close()));
    for (const table of tables) {
      await harness.sql(
        `DROP TABLE IF EXISTS ${table}, ${table}_migrations, ${table}_file, ${table}_session_token, ${table}_session`,
      );
    }
    await harness.teardown();
    await Promise.all(pools.map((p) => p.end()));
  });

  return {
    harness,
    /** Runs SQL directly (arrange and inspect), outside any adapter. */
    sql: <R = RowDataPacket>(text: string, values: unknown[] = []) =>
      harness.sql(text, values) as Promise<R[]>,
    /** Runs a statement that returns no rows, directly; resolves to its result header. */
    exec: (text: string, values: unknown[] = []) =>
      harness.sql(text, values) as Promise<unknown> as Promise<ResultSetHeader>,
    /** A pool the test owns (the adapter must never end it), with per-connection setup. */
    async callerPool(onConnect: string[] = [], config: mysql.PoolOptions = {}): Promise<Pool> {
      const pool = mysql.createPool({
        uri: await mysqlUrl(),
        connectionLimit: 4,
        charset: "utf8mb4",
        ...config,
      });
      // mysql2 emits the underlying callback-style connection here (the promise typings
      // say otherwise); commands queued now run before any query of the adapter's.
      pool.on("connection", (connection) => {
        const core = connection as unknown as {
          query(sql: string, callback: (error: Error | null) => void): void;
        };
        for (const statement of onConnect) {
          core.query(statement, (error) => {
            if (error) console.error(`onConnect statement failed: ${statement}`, error);
          });
        }
      });
      pools.push(pool);
      return pool;
    },
    /** A migrated adapter on `pool`, on a fresh table (or `tableName`). */
    async adapterOnPool(pool: Pool, tableName = uniqueTableName()): Promise<StorageAdapter> {
      const adapter = createMysqlAdapter({ pool, tableName });
      adapters.push(adapter);
      tables.push(tableName);
      await adapter.migrate();
      return adapter;
    },
    /** A migrated adapter with its own pool (from the URL). */
    async adapterOnUri(
      options: { tableName?: string; poolSize?: number } = {},
    ): Promise<StorageAdapter> {
      const tableName = options.tableName ?? uniqueTableName();
      const adapter = createMysqlAdapter({
        uri: await mysqlUrl(),
        tableName,
        poolSize: options.poolSize ?? 4,
      });
      adapters.push(adapter);
      tables.push(tableName);
      await adapter.migrate();
      return adapter;
    },
  };
}

export { tableOf, uniqueTableName };

/** Runs `fn`; if it fails once with a retryable DocketError, runs it again. */
export async function withOneRetry<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; failures: unknown[] }> {
  const failures: unknown[] = [];
  try {
    return { value: await fn(), failures };
  } catch (error) {
    failures.push(error);
    return { value: await fn(), failures };
  }
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export { claimRequest, cronDefinition, newJob, outcome } from "@docket/core/testing";
