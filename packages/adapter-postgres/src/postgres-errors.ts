import { DocketError } from "@docket/core";
import {
  connectionError,
  databaseError,
  driverDetail,
  SOCKET_ERROR_CODES,
} from "@docket/core/adapter";

/**
 * SQLSTATEs after which the same call may simply succeed when tried again: concurrency
 * conflicts, lock timeouts, a server shutting down or starting, resource exhaustion.
 */
const RETRYABLE_SQLSTATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available (lock_timeout)
  "57014", // query_canceled (statement_timeout under load)
  "53000", // insufficient_resources
  "53100", // disk_full
  "53200", // out_of_memory
  "53300", // too_many_connections
]);

/** SQLSTATEs that mean the connection itself is gone or not yet possible. */
const CONNECTION_SQLSTATES = new Set([
  "57P01", // admin_shutdown (pg_terminate_backend, fast shutdown)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up / shutting down)
  "57P05", // idle_session_timeout
]);

/** Node socket errors that mean the server cannot be reached or the socket died. */
const CONNECTION_ERRNOS = new Set(SOCKET_ERROR_CODES);

/** Messages `pg` and `pg-pool` use for a dead or unreachable connection (they carry no code). */
const CONNECTION_MESSAGES = [
  /connection terminated/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /server closed the connection/i,
];

/**
 * Wraps a `pg` error in a `DocketError`: `connection_error` (always retryable) when the
 * database cannot be reached or the connection dropped, `database_error` otherwise, with
 * `retryable` for transient failures. The driver error stays available as `cause`.
 * A `DocketError` passes through unchanged.
 */
export function toDocketError(error: unknown, operation: string): DocketError {
  if (error instanceof DocketError) return error;
  const code = stringField(error, "code");
  const message = error instanceof Error ? error.message : String(error);

  const detail = driverDetail(message, code);
  if (isConnectionFailure(code, message)) {
    return connectionError("postgres", operation, detail, error);
  }
  const retryable = code !== undefined && RETRYABLE_SQLSTATES.has(code);
  return databaseError("postgres", operation, detail, error, retryable);
}

/** True when the error means the connection is unusable (release it with the error). */
export function isConnectionFailure(code: string | undefined, message: string): boolean {
  if (code !== undefined) {
    if (code.startsWith("08") || CONNECTION_SQLSTATES.has(code) || CONNECTION_ERRNOS.has(code)) {
      return true;
    }
  }
  return CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
}

/** `isConnectionFailure` for any thrown value, including an already wrapped one. */
export function brokeConnection(error: unknown): boolean {
  if (error instanceof DocketError) {
    return error.code === "connection_error" || brokeConnection(error.cause);
  }
  if (error === undefined || error === null) return false;
  return isConnectionFailure(
    stringField(error, "code"),
    error instanceof Error ? error.message : String(error),
  );
}

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === "string" ? field : undefined;
}
