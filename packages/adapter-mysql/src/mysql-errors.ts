import { DocketError } from "@docket/core";
import {
  connectionError,
  databaseError,
  driverDetail,
  SOCKET_ERROR_CODES,
} from "@docket/core/adapter";

/**
 * Maps mysql2 errors to `DocketError`. The driver error is always kept as `cause`.
 *
 * - `connection_error` (retryable): the server could not be reached or the connection
 *   dropped (restart, `KILL`, network), or the pool handed out a connection that was
 *   already closed.
 * - `database_error` with `retryable: true`: transient server-side failures — deadlock
 *   (1213), lock wait timeout (1205), MariaDB's snapshot-isolation conflict (1020), too
 *   many connections (1040). The adapter retries these itself (see `TRANSIENT_ATTEMPTS`);
 *   the error only surfaces when every attempt failed.
 * - `database_error` otherwise.
 */

/** ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, ER_CHECKREAD (MariaDB 11.6+ snapshot isolation). */
const TRANSIENT_ERRNOS = new Set([1213, 1205, 1020]);

/**
 * ER_SERVER_SHUTDOWN 1053, ER_CON_COUNT_ERROR 1040, CR_SERVER_GONE_ERROR 2006,
 * CR_SERVER_LOST 2013, ER_CONNECTION_KILLED 1927 (MariaDB), ER_QUERY_INTERRUPTED 1317 is
 * not here: it means a statement was killed, not the connection. MySQL 8.0.24+ sends
 * ER_CLIENT_INTERACTION_TIMEOUT 4031 before closing an idle connection.
 */
const CONNECTION_ERRNOS = new Set([1040, 1053, 1927, 2002, 2003, 2006, 2013, 4031]);

const CONNECTION_CODES = new Set([
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "PROTOCOL_ENQUEUE_AFTER_QUIT",
  "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR",
  ...SOCKET_ERROR_CODES,
  "ER_SERVER_SHUTDOWN",
  "ER_CON_COUNT_ERROR",
  "ER_CONNECTION_KILLED",
  "ER_CLIENT_INTERACTION_TIMEOUT",
]);

/** ER_NET_PACKET_TOO_LARGE: the statement was larger than `max_allowed_packet`. */
export const PACKET_TOO_LARGE_ERRNO = 1153;

interface DriverErrorShape {
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  message?: unknown;
  sqlMessage?: unknown;
}

function shape(error: unknown): DriverErrorShape {
  return typeof error === "object" && error !== null ? (error as DriverErrorShape) : {};
}

/** Deadlock or lock wait timeout: the same work may succeed when simply run again. */
export function isTransientError(error: unknown): boolean {
  const { errno } = shape(error);
  return typeof errno === "number" && TRANSIENT_ERRNOS.has(errno);
}

/** The connection is gone (or never came): the statement's outcome is unknown unless it was never sent. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof DocketError) return error.code === "connection_error";
  // The server closes the connection after an oversized packet, so mysql2 marks it fatal;
  // it is still the statement's fault, not the connection's.
  if (isPacketTooLarge(error)) return false;
  const { code, errno, fatal, message } = shape(error);
  if (typeof errno === "number" && CONNECTION_ERRNOS.has(errno)) return true;
  if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
  // mysql2 marks errors that broke the connection as fatal; a command queued on a
  // connection the server already closed fails with this message and no code.
  if (fatal === true) return true;
  return typeof message === "string" && message.includes("connection is in closed state");
}

/**
 * True when the command never reached the server: the pooled connection was already
 * closed (server restart, `KILL`), so running it again on a fresh connection is safe
 * even for writes that are not idempotent.
 */
export function wasNeverSent(error: unknown): boolean {
  const { code, message } = shape(error);
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN") return true;
  return typeof message === "string" && message.includes("connection is in closed state");
}

export function isPacketTooLarge(error: unknown): boolean {
  const { errno, code } = shape(error);
  return errno === PACKET_TOO_LARGE_ERRNO || code === "ER_NET_PACKET_TOO_LARGE";
}

/**
 * The server does not understand a statement (parse error, "not supported yet", MySQL's
 * recursive-CTE restrictions 3573-3577, recursion depth 3636): a feature to do without.
 */
const UNSUPPORTED_ERRNOS = new Set([1064, 1235, 1149, 3573, 3574, 3575, 3576, 3577, 3636]);
export function isUnsupportedStatement(error: unknown): boolean {
  const { errno } = shape(error);
  return typeof errno === "number" && UNSUPPORTED_ERRNOS.has(errno);
}

/** Wraps any error thrown by mysql2 (or the pool) into a `DocketError`; passes `DocketError`s through. */
export function toDocketError(error: unknown, action: string): DocketError {
  if (error instanceof DocketError) return error;
  const { sqlMessage, message, code } = shape(error);
  const text =
    typeof sqlMessage === "string"
      ? sqlMessage
      : typeof message === "string"
        ? message
        : String(error);
  const detail = driverDetail(text, typeof code === "string" ? code : undefined);
  if (isConnectionError(error)) return connectionError("mysql", action, detail, error);
  if (isPacketTooLarge(error)) {
    return new DocketError(
      "invalid_argument",
      `expected data to fit in the server's max_allowed_packet while ${action}: ${text}`,
      { cause: error, field: "data" },
    );
  }
  return databaseError("mysql", action, detail, error, isTransientError(error));
}
