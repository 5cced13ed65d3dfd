import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMysqlAdapter } from "@docket/adapter-mysql";
import { createPostgresAdapter } from "@docket/adapter-postgres";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import type { StorageAdapter } from "@docket/core";
import { uniqueTableName } from "@docket/core/testing";
import mysql from "mysql2/promise";
import pg from "pg";

/**
 * The three databases the dashboard tests run on. SQLite always (a file in a temporary
 * directory); Postgres and MySQL/MariaDB when DOCKET_POSTGRES_URL / DOCKET_MYSQL_URL are
 * set, otherwise skipped with a loud notice. Each `create()` works in a table of its own;
 * `teardown()` drops every table that starts with that name (migrations may add more).
 */
export interface Backend {
  readonly label: "sqlite" | "postgres" | "mysql";
  readonly available: boolean;
  create(): Promise<StorageAdapter>;
  teardown(): Promise<void>;
}

export function sqliteBackend(): Backend {
  const directories: string[] = [];
  const adapters: StorageAdapter[] = [];
  return {
    label: "sqlite",
    available: true,
    async create() {
      const directory = mkdtempSync(join(tmpdir(), "docket-dashboard-"));
      directories.push(directory);
      const adapter = createSqliteAdapter({
        filename: join(directory, "jobs.db"),
        tableName: uniqueTableName(),
      });
      adapters.push(adapter);
      await adapter.migrate();
      return adapter;
    },
    async teardown() {
      for (const adapter of adapters.splice(0)) await adapter.close();
      for (const directory of directories.splice(0)) {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}

export function postgresBackend(): Backend {
  const url = process.env.DOCKET_POSTGRES_URL;
  const adapters: StorageAdapter[] = [];
  const tables: string[] = [];
  return {
    label: "postgres",
    available: notice("postgres", "DOCKET_POSTGRES_URL", url),
    async create() {
      const tableName = uniqueTableName();
      tables.push(tableName);
      const adapter = createPostgresAdapter({ connectionString: url!, tableName, poolSize: 4 });
      adapters.push(adapter);
      await adapter.migrate();
      return adapter;
    },
    async teardown() {
      for (const adapter of adapters.splice(0)) await adapter.close();
      if (tables.length === 0) return;
      const client = new pg.Client({ connectionString: url! });
      await client.connect();
      try {
        for (const table of tables.splice(0)) {
          const result = await client.query<{ tablename: string }>(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1",
            [`${table}%`],
          );
          const names = result.rows.map((row) => `"${row.tablename}"`);
          if (names.length > 0)
            await client.query(`DROP TABLE IF EXISTS ${names.join(", ")} CASCADE`);
        }
      } finally {
        await client.end();
      }
    },
  };
}

export function mysqlBackend(): Backend {
  const url = process.env.DOCKET_MYSQL_URL;
  const adapters: StorageAdapter[] = [];
  const tables: string[] = [];
  return {
    label: "mysql",
    available: notice("mysql", "DOCKET_MYSQL_URL", url),
    async create() {
      const tableName = uniqueTableName();
      tables.push(tableName);
      const adapter = createMysqlAdapter({ uri: url!, tableName, poolSize: 4 });
      adapters.push(adapter);
      await adapter.migrate();
      return adapter;
    },
    async teardown() {
      for (const adapter of adapters.splice(0)) await adapter.close();
      if (tables.length === 0) return;
      const connection = await mysql.createConnection(url!);
      try {
        for (const table of tables.splice(0)) {
          const [rows] = await connection.query(
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?",
            [`${table}%`],
          );
          const names = (rows as { name: string }[]).map((row) => `\`${row.name}\``);
          // The session tables reference each other; drop them all without checking the
          // foreign keys in between (this connection only).
          if (names.length > 0) {
            await connection.query("SET FOREIGN_KEY_CHECKS = 0");
            await connection.query(`DROP TABLE IF EXISTS ${names.join(", ")}`);
          }
        }
      } finally {
        await connection.end();
      }
    },
  };
}

export function allBackends(): Backend[] {
  return [sqliteBackend(), postgresBackend(), mysqlBackend()];
}

function notice(label: string, variable: string, url: string | undefined): boolean {
  if (url) return true;
  console.warn(`\n!!! dashboard ${label} tests SKIPPED: ${variable} is not set.\n`);
  return false;
}
