import { invalidOption, validateTableName } from "@docket/core/adapter";
import type BetterSqlite3 from "better-sqlite3";

interface SqliteCommonOptions {
  /**
   * The job table; migrations live in `<tableName>_migrations`. Default `docket_job`.
   * Must match `/^[A-Za-z_][A-Za-z0-9_]{0,47}$/` (it is spliced into SQL).
   */
  tableName?: string;
  /**
   * How long a statement waits for another connection's lock before SQLite gives up, in
   * ms (`PRAGMA busy_timeout`). Default 5000. Applied to a passed-in `database` only when
   * given explicitly (better-sqlite3 already defaults its own timeout to 5000).
   */
  busyTimeoutMs?: number;
}

/**
 * Options of `createSqliteAdapter`: either a `filename` (the adapter opens the database,
 * sets WAL, `busy_timeout` and `synchronous = NORMAL`, and closes it on `close()`), or a
 * better-sqlite3 `database` the application owns (the adapter switches a file database to
 * WAL but never closes it).
 */
export type SqliteAdapterOptions =
  | (SqliteCommonOptions & { filename: string; database?: never })
  | (SqliteCommonOptions & { database: BetterSqlite3.Database; filename?: never });

/** The validated, defaulted, frozen form of `SqliteAdapterOptions`. */
export interface ResolvedSqliteOptions {
  readonly source:
    | { readonly kind: "filename"; readonly filename: string }
    | { readonly kind: "database"; readonly database: BetterSqlite3.Database };
  readonly tableName: string;
  readonly busyTimeoutMs: number;
  /** False when the default was filled in (then a passed-in database keeps its own). */
  readonly busyTimeoutGiven: boolean;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

const KNOWN_KEYS = new Set(["filename", "database", "tableName", "busyTimeoutMs"]);

/** Structural check: drivers stay peer dependencies, so no `instanceof` across copies. */
export function isDatabase(value: unknown): value is BetterSqlite3.Database {
  if (typeof value !== "object" || value === null) return false;
  const db = value as Partial<Record<"prepare" | "exec" | "transaction" | "pragma", unknown>>;
  return (
    typeof db.prepare === "function" &&
    typeof db.exec === "function" &&
    typeof db.transaction === "function" &&
    typeof db.pragma === "function" &&
    typeof (value as { name?: unknown }).name === "string"
  );
}

/** Fills defaults, rejects unknown keys and wrong types with `invalid_option`, freezes. */
export function resolveSqliteOptions(options: unknown): ResolvedSqliteOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw invalidOption("options", "an object with `filename` or `database`", options);
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KNOWN_KEYS.has(key)) {
      throw invalidOption(key, "one of filename, database, tableName, busyTimeoutMs", key);
    }
  }
  const { filename, database } = record;
  let source: ResolvedSqliteOptions["source"];
  if (filename !== undefined && database !== undefined) {
    throw invalidOption("database", "absent when filename is given", "a database");
  } else if (filename !== undefined) {
    if (typeof filename !== "string" || filename.length === 0) {
      throw invalidOption("filename", "a non-empty string", filename);
    }
    source = Object.freeze({ kind: "filename", filename });
  } else if (database !== undefined) {
    if (!isDatabase(database)) {
      throw invalidOption("database", "a better-sqlite3 Database", database);
    }
    if (!database.open)
      throw invalidOption("database", "an open better-sqlite3 Database", "a closed database");
    source = Object.freeze({ kind: "database", database });
  } else {
    throw invalidOption("filename", "a non-empty string (or pass `database`)", filename);
  }

  const tableName = validateTableName(record.tableName);
  const busyTimeoutMs = record.busyTimeoutMs;
  if (
    busyTimeoutMs !== undefined &&
    (typeof busyTimeoutMs !== "number" ||
      !Number.isInteger(busyTimeoutMs) ||
      busyTimeoutMs < 0 ||
      busyTimeoutMs > 2_147_483_647)
  ) {
    throw invalidOption("busyTimeoutMs", "a non-negative integer (ms)", busyTimeoutMs);
  }
  return Object.freeze({
    source,
    tableName,
    busyTimeoutMs: busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    busyTimeoutGiven: busyTimeoutMs !== undefined,
  });
}
