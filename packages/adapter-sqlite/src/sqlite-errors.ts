import { DocketError } from "@docket/core";
import { connectionError, databaseError, driverDetail } from "@docket/core/adapter";

/**
 * better-sqlite3 throws `SqliteError`s whose `code` is SQLite's extended result code as a
 * string (`SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT`, `SQLITE_CONSTRAINT_UNIQUE`, ...), and a
 * plain `TypeError` ("The database connection is not open") on a closed handle.
 */
function sqliteCode(error: unknown): string | null {
  if (typeof error !== "object" || error === null) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : null;
}

/**
 * True for lock contention: another connection (or process) holds the lock we need.
 * `busy_timeout` absorbs most of it; what is left is retried by the adapter.
 */
export function isBusyError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== null && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/** Transient failures that a later attempt of the same operation may not see. */
const TRANSIENT_PREFIXES = [
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_PROTOCOL",
  "SQLITE_IOERR",
  "SQLITE_NOMEM",
];

/** The file cannot be opened or the handle was closed: the SQLite form of "unreachable". */
const CONNECTION_PREFIXES = ["SQLITE_CANTOPEN"];

/**
 * Maps anything a better-sqlite3 call threw to a `DocketError` (a `DocketError` passes
 * through unchanged), keeping the driver error as `cause`.
 */
export function toDocketError(error: unknown, action: string): DocketError {
  if (error instanceof DocketError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = sqliteCode(error);
  const detail = driverDetail(message, code);
  const closedHandle =
    code === null && error instanceof TypeError && /database connection is not open/i.test(message);
  if (closedHandle || CONNECTION_PREFIXES.some((prefix) => code?.startsWith(prefix))) {
    return connectionError("sqlite", action, detail, error);
  }
  const transient = TRANSIENT_PREFIXES.some((prefix) => code?.startsWith(prefix));
  return databaseError("sqlite", action, detail, error, transient);
}
