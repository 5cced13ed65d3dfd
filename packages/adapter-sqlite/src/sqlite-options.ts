import {
  integerOption,
  invalidOption,
  oneOfOptions,
  optionsRecord,
  stringOption,
  validateTableName,
} from "@docket/core/adapter";
import type BetterSqlite3 from "better-sqlite3";

interface SqliteCommonOptions {
  /**
   * The job table; migrations live in `<tableName>_migrations`. Default `docket_job`.
   * Must match `/^[A-Za-z_][A-Za-z0-9_]{0,36}$/` (it is spliced into SQL).
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

const KNOWN_KEYS = ["filename", "database", "tableName", "busyTimeoutMs"];

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
  const record = optionsRecord(options, KNOWN_KEYS, "`filename` or `database`");
  let source: ResolvedSqliteOptions["source"];
  if (oneOfOptions(record, "filename", "database") === "filename") {
    source = Object.freeze({ kind: "filename", filename: stringOption(record, "filename") });
  } else {
    const { database } = record;
    if (!isDatabase(database)) {
      throw invalidOption("database", "a better-sqlite3 Database", database);
    }
    if (!database.open)
      throw invalidOption("database", "an open better-sqlite3 Database", "a closed database");
    source = Object.freeze({ kind: "database", database });
  }
  return Object.freeze({
    source,
    tableName: validateTableName(record.tableName),
    busyTimeoutMs: integerOption(record, "busyTimeoutMs", {
      min: 0,
      max: 2_147_483_647,
      fallback: DEFAULT_BUSY_TIMEOUT_MS,
    }),
    busyTimeoutGiven: record.busyTimeoutMs !== undefined,
  });
}
