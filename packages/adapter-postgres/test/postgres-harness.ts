import type { StorageAdapter } from "@docket/core";
import { type AdapterHarness, tableOf, uniqueTableName } from "@docket/core/testing";
import pg from "pg";
import { createPostgresAdapter } from "../src/index.ts";
import { inspectPostgresSchema } from "./postgres-catalog.ts";
import { postgresUrl } from "./postgres-database.ts";

/** Connections per adapter in tests: many adapters run at once on a shared server. */
const TEST_POOL_SIZE = 4;

/**
 * The Postgres `AdapterHarness`: every `create()` gets its own table on the test database
 * through an adapter that owns its pool; native transactions are a pool client in
 * `BEGIN`, as an application would write them.
 */
export function createPostgresHarness(): AdapterHarness & { url(): Promise<string> } {
  const adapters: StorageAdapter[] = [];
  const tables = new Set<string>();
  let admin: pg.Pool | null = null;

  const adminPool = async () => {
    if (admin === null) {
      admin = new pg.Pool({ connectionString: await postgresUrl(), max: 2 });
      admin.on("error", () => {});
    }
    return admin;
  };

  const open = async (tableName: string) => {
    const adapter = createPostgresAdapter({
      connectionString: await postgresUrl(),
      tableName,
      poolSize: TEST_POOL_SIZE,
    });
    adapters.push(adapter);
    return adapter;
  };

  const markerTable = (adapter: StorageAdapter) => `"${tableOf(adapter)}_marker"`;

  return {
    label: "postgres",
    url: postgresUrl,

    async create(options) {
      const tableName = options?.tableName ?? uniqueTableName();
      tables.add(tableName);
      const adapter = await open(tableName);
      await adapter.migrate();
      const pool = await adminPool();
      await pool.query(`CREATE TABLE IF NOT EXISTS "${tableName}_marker" (marker text NOT NULL)`);
      return adapter;
    },

    async inspectSchema(adapter) {
      return inspectPostgresSchema(await adminPool(), tableOf(adapter));
    },

    async reopen(adapter) {
      return open(tableOf(adapter));
    },

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

    async writeMarker(adapter, db, marker) {
      await (db as pg.Pool | pg.ClientBase).query(
        `INSERT INTO ${markerTable(adapter)} (marker) VALUES ($1)`,
        [marker],
      );
    },

    async countMarkers(adapter, marker) {
      const pool = await adminPool();
      const result = await pool.query<{ count: string }>(
        `SELECT count(*) AS count FROM ${markerTable(adapter)} WHERE marker = $1`,
        [marker],
      );
      return Number(result.rows[0]?.count ?? 0);
    },

    async teardown() {
      const open = adapters.splice(0);
      await Promise.all(open.map((adapter) => adapter.close()));
      const dropping = [...tables];
      tables.clear();
      if (admin !== null) {
        const pool = admin;
        admin = null;
        for (const table of dropping) {
          await pool.query(
            `DROP TABLE IF EXISTS "${table}", "${table}_migrations", "${table}_marker", "${table}_file", ` +
              `"${table}_session_token", "${table}_session"`,
          );
        }
        await pool.end();
      }
    },
  };
}

export { tableOf, uniqueTableName };
