import type { StorageAdapter } from "@docket/core";
import { usageError } from "./exit-codes.ts";

export interface ConnectionOptions {
  /** `--db`; falls back to `DOCKET_DATABASE_URL`. */
  db?: string | undefined;
  /** `--table`; the adapters' default (`docket_job`) when absent. */
  table?: string | undefined;
}

export type DatabaseTarget =
  | { kind: "sqlite"; filename: string }
  | { kind: "postgres"; connectionString: string }
  | { kind: "mysql"; uri: string };

/**
 * `sqlite:./jobs.db`, `sqlite:///abs/jobs.db`, `sqlite::memory:`, `postgres://…` /
 * `postgresql://…`, `mysql://…` / `mariadb://…`.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith("sqlite:")) {
    let filename = url.slice("sqlite:".length);
    if (filename.startsWith("//")) filename = filename.slice(2);
    if (filename === "") throw usageError("expected a file after sqlite:, e.g. sqlite:./jobs.db");
    return { kind: "sqlite", filename };
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    return { kind: "postgres", connectionString: url };
  }
  if (url.startsWith("mysql://")) return { kind: "mysql", uri: url };
  if (url.startsWith("mariadb://")) return { kind: "mysql", uri: `mysql://${url.slice(10)}` };
  throw usageError(
    "expected the database as sqlite:<file>, postgres://… or mysql://…, got: " +
      JSON.stringify(url.replace(/\/\/[^@/]*@/, "//…@")),
  );
}

/**
 * Opens the adapter for `--db` / `DOCKET_DATABASE_URL`. Adapter packages are imported
 * lazily, so a machine with only `pg` installed never loads better-sqlite3. `listen`
 * keeps Postgres LISTEN wake-ups on (only `work` needs them).
 */
export async function openAdapter(
  options: ConnectionOptions,
  env: NodeJS.ProcessEnv,
  { listen = false } = {},
): Promise<StorageAdapter> {
  const url = options.db ?? env.DOCKET_DATABASE_URL;
  if (url === undefined || url === "") {
    throw usageError("no database: pass --db <url> or set DOCKET_DATABASE_URL");
  }
  const target = parseDatabaseUrl(url);
  const table = options.table === undefined ? {} : { tableName: options.table };
  switch (target.kind) {
    case "sqlite": {
      const { createSqliteAdapter } = await import("@docket/adapter-sqlite");
      return createSqliteAdapter({ filename: target.filename, ...table });
    }
    case "postgres": {
      const { createPostgresAdapter } = await import("@docket/adapter-postgres");
      return createPostgresAdapter({
        connectionString: target.connectionString,
        notify: listen,
        poolSize: 2,
        ...table,
      });
    }
    case "mysql": {
      const { createMysqlAdapter } = await import("@docket/adapter-mysql");
      return createMysqlAdapter({ uri: target.uri, poolSize: 2, ...table });
    }
  }
}
