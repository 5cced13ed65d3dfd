import { createRequire } from "node:module";

/**
 * `pg` and `better-sqlite3` ship no type declarations and `@types/pg` /
 * `@types/better-sqlite3` are not dependencies of this package (adding them would change
 * the workspace lockfile). They are loaded through `require` and typed by the few members
 * the bench uses. mysql2 ships its own types and is imported normally.
 */
const require = createRequire(import.meta.url);

export interface PgResult {
  rows: Record<string, unknown>[];
  rowCount: number | null;
}

export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<PgResult>;
}

export interface PgPool extends PgQueryable {
  end(): Promise<void>;
  on(event: "error", listener: (error: Error) => void): unknown;
}

interface PgModule {
  Pool: new (config: {
    connectionString: string;
    max?: number;
    connectionTimeoutMillis?: number;
  }) => PgPool;
}

export interface SqliteDatabase {
  exec(sql: string): unknown;
  close(): unknown;
  readonly name: string;
}

type SqliteConstructor = new (filename: string) => SqliteDatabase;

export const pg = require("pg") as PgModule;
export const BetterSqlite3 = require("better-sqlite3") as SqliteConstructor;

/** Runs `fn` on a short-lived pool of one connection, then ends it. */
export async function withPg<T>(url: string, fn: (db: PgQueryable) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5000 });
  pool.on("error", () => {});
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}
