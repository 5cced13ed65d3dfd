import { DocketError } from "../errors.ts";

/**
 * The messages of an adapter's own errors, one format on every adapter:
 * `<dialect>: <operation> failed: <why>`. Codes and `retryable` are the adapter's call
 * (docs/adapters.md, errors); only the wording lives here.
 */

/** Node socket error codes: the server cannot be reached or the socket died. */
export const SOCKET_ERROR_CODES: readonly string[] = [
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
];

/** What the driver said, with its error code when it has one: `message [code]`. */
export function driverDetail(message: string, code?: string | number | null): string {
  return code === undefined || code === null ? message : `${message} [${code}]`;
}

/** `connection_error` (always retryable): the database cannot be reached or the connection died. */
export function connectionError(
  dialect: string,
  operation: string,
  detail: string,
  cause: unknown,
): DocketError {
  return new DocketError(
    "connection_error",
    `${dialect}: ${operation} failed: cannot reach the database (${detail})`,
    { cause, retryable: true },
  );
}

/** `database_error`: the database refused or failed the statement; `retryable` when transient. */
export function databaseError(
  dialect: string,
  operation: string,
  detail: string,
  cause: unknown,
  retryable: boolean,
): DocketError {
  return new DocketError("database_error", `${dialect}: ${operation} failed: ${detail}`, {
    cause,
    retryable,
  });
}

/** `closed`: the adapter was used after `close()`. */
export function closedAdapterError(dialect: string, operation = "call"): DocketError {
  return new DocketError("closed", `${dialect}: ${operation} failed: the adapter was closed`);
}
