/**
 * Stable error codes. They are part of the public contract: match on `error.code`,
 * never on the message.
 */
export type DocketErrorCode =
  /** A function argument failed validation; `field` names it. */
  | "invalid_argument"
  /** A worker or adapter option failed validation; `field` names it. */
  | "invalid_option"
  /** A cron expression could not be parsed; `field` names the definition. */
  | "invalid_cron_expression"
  /** The handler's signal aborted (timeout or stop); thrown by the event helpers. */
  | "aborted"
  /** A handler ran past its timeout; recorded as the attempt's error. */
  | "timeout"
  /** The database refused or failed a statement. `retryable` tells transient ones. */
  | "database_error"
  /** The database could not be reached. Always retryable. */
  | "connection_error"
  /** A job's lease was lost before its outcome could be recorded. */
  | "lease_lost"
  /** The adapter was used after `close()`. */
  | "closed"
  // File store (docs/files.md)
  /** The adapter has no seam for this store (`adapter.files` is missing). */
  | "unsupported"
  /** No file row with this id. */
  | "file_not_found"
  /** The content type is not in `allowedContentTypes`. */
  | "file_content_type_not_allowed"
  /** A file access token with a bad signature, a malformed one, or one for another file. */
  | "file_token_invalid"
  /** A file access token past its expiry. */
  | "file_token_expired"
  /** An optional peer dependency (sharp, @aws-sdk/client-s3) could not be loaded. */
  | "dependency_missing"
  /** The object storage refused or failed an operation; `field` names the bucket or key. */
  | "storage_error"
  // Session store (`@docket/sessions`, docs/sessions.md). Messages never contain a token
  // or the signing key; `field` names the argument (`accessToken`, `refreshToken`, …).
  /** No token was given (empty, not a string, no `Authorization: Bearer` header). */
  | "session_token_missing"
  /** Not a well-formed HS256 JWT with exactly the expected claims. */
  | "session_token_malformed"
  /** The signature does not verify with the signing key. */
  | "session_token_bad_signature"
  /** The token's expiry has passed. */
  | "session_token_expired"
  /** A refresh token where an access token belongs, or the other way round. */
  | "session_token_wrong_type"
  /** No such token or session (deleted, or never existed). */
  | "session_not_found"
  /** The session or the token was revoked (invalidated, rotated, or a leak was detected). */
  | "session_revoked";

export interface DocketErrorOptions {
  field?: string;
  cause?: unknown;
  retryable?: boolean;
}

/**
 * The one error class Docket throws. `code` is stable, `field` names the offending
 * argument or option when there is one, `retryable` marks transient database errors
 * (deadlock, lock wait, `SQLITE_BUSY`, a dropped connection), and driver errors are
 * kept as `cause`.
 */
export class DocketError extends Error {
  override name = "DocketError";
  readonly code: DocketErrorCode;
  readonly field: string | undefined;
  readonly retryable: boolean;

  constructor(code: DocketErrorCode, message: string, options: DocketErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.retryable = options.retryable ?? code === "connection_error";
  }
}

/** `expected <field> to be <expectation>, got: <value>` — the one message shape for bad input. */
export function invalidArgument(field: string, expectation: string, value: unknown): DocketError {
  return new DocketError(
    "invalid_argument",
    `expected ${field} to be ${expectation}, got: ${describeValue(value)}`,
    { field },
  );
}

export function invalidOption(field: string, expectation: string, value: unknown): DocketError {
  return new DocketError(
    "invalid_option",
    `expected ${field} to be ${expectation}, got: ${describeValue(value)}`,
    { field },
  );
}

/** True for Docket's abort errors and for the platform's `AbortError`s. */
export function isAbortError(error: unknown): boolean {
  if (error instanceof DocketError) return error.code === "aborted";
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { name?: unknown }).name === "AbortError"
  );
}

/** True when a failed database call may succeed if simply tried again. */
export function isRetryableError(error: unknown): boolean {
  return error instanceof DocketError && error.retryable;
}

function describeValue(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  }
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" || typeof value === "boolean" || value == null) {
    return String(value);
  }
  if (value instanceof Date)
    return `Date(${Number.isNaN(value.getTime()) ? "Invalid" : value.toISOString()})`;
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  return "an object";
}
