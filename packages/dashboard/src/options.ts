import type { IncomingMessage } from "node:http";
import { type Logger, newJsonLogger, type StorageAdapter } from "@docket/core";
import { invalidArgument, invalidOption } from "@docket/core/adapter";

/** Rows per page unless `pageSize` says otherwise. */
export const DEFAULT_PAGE_SIZE = 50;
/** The most rows any page or fragment shows (README.md, "Security": bounded responses). */
export const MAX_PAGE_SIZE = 500;

export interface DashboardOptions {
  /**
   * Where the dashboard is mounted, e.g. `"/admin/jobs"`; links and the CSRF cookie use
   * it. Requests may arrive with or without it (Express strips a mount path). Default `""`.
   */
  basePath?: string;
  /** No action buttons; every POST is refused with 403. Default `false`. */
  readOnly?: boolean;
  /**
   * Called for every request before anything else; resolve `false` (or throw) to answer
   * 403. Default: every request is allowed (the server binds 127.0.0.1 by default).
   */
  authorize?: (req: IncomingMessage) => boolean | Promise<boolean>;
  /**
   * Secret for the CSRF tokens (at least 32 characters). Default: random per process —
   * set one when several processes serve the same dashboard behind a load balancer.
   */
  csrfSecret?: string;
  /** Rows per page, 1..500. Default 50. */
  pageSize?: number;
  /**
   * How long the overview's counts and chart are reused, in ms (they aggregate the whole
   * table, so several open browsers share one read). 0 reads them on every request.
   * Default 5000.
   */
  statsMaxAgeMs?: number;
  /** Where failed requests are logged (`{ info, error }`). Default: JSON lines on stderr. */
  logger?: Logger;
}

export interface ResolvedDashboardOptions {
  readonly basePath: string;
  readonly readOnly: boolean;
  readonly authorize: ((req: IncomingMessage) => boolean | Promise<boolean>) | null;
  readonly csrfSecret: string | null;
  readonly pageSize: number;
  readonly statsMaxAgeMs: number;
  readonly logger: Logger;
}

const KNOWN_KEYS = [
  "basePath",
  "readOnly",
  "authorize",
  "csrfSecret",
  "pageSize",
  "statsMaxAgeMs",
  "logger",
];

/** Fills defaults, rejects unknown keys and wrong types, and freezes the result. */
export function resolveDashboardOptions(
  options: unknown,
  field = "options",
  extraKeys: readonly string[] = [],
): ResolvedDashboardOptions {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw invalidOption(field, "an object", options);
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KNOWN_KEYS.includes(key) && !extraKeys.includes(key)) {
      throw invalidOption(`${field}.${key}`, "a known option", key);
    }
  }
  return Object.freeze({
    basePath: resolveBasePath(record.basePath, `${field}.basePath`),
    readOnly: optionalBoolean(record.readOnly, `${field}.readOnly`, false),
    authorize: optionalFunction(record.authorize, `${field}.authorize`),
    csrfSecret: optionalSecret(record.csrfSecret, `${field}.csrfSecret`),
    pageSize: optionalPageSize(record.pageSize, `${field}.pageSize`),
    statsMaxAgeMs: optionalMaxAge(record.statsMaxAgeMs, `${field}.statsMaxAgeMs`),
    logger: optionalLogger(record.logger, `${field}.logger`),
  });
}

/** `""` or a path like `/admin/jobs` (no trailing slash, URL-safe characters only). */
function resolveBasePath(value: unknown, field: string): string {
  if (value === undefined || value === "" || value === "/") return "";
  if (typeof value !== "string" || !/^(\/[A-Za-z0-9._~-]+)+\/?$/.test(value)) {
    throw invalidOption(field, 'a path like "/admin/jobs"', value);
  }
  return value.endsWith("/") ? value.slice(0, -1) : value;
}

function optionalBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalidOption(field, "a boolean", value);
  return value;
}

function optionalFunction(
  value: unknown,
  field: string,
): ((req: IncomingMessage) => boolean | Promise<boolean>) | null {
  if (value === undefined) return null;
  if (typeof value !== "function") throw invalidOption(field, "a function", value);
  return value as (req: IncomingMessage) => boolean | Promise<boolean>;
}

function optionalSecret(value: unknown, field: string): string | null {
  if (value === undefined) return null;
  if (typeof value !== "string" || value.length < 32) {
    throw invalidOption(field, "a string of at least 32 characters", value);
  }
  return value;
}

/** Default reuse time of the overview's aggregates, in ms (the overview refreshes every 5 s). */
export const DEFAULT_STATS_MAX_AGE_MS = 5_000;

function optionalMaxAge(value: unknown, field: string): number {
  if (value === undefined) return DEFAULT_STATS_MAX_AGE_MS;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value > 3_600_000) {
    throw invalidOption(field, "an integer number of ms from 0 to 3600000", value);
  }
  return value;
}

function optionalLogger(value: unknown, field: string): Logger {
  if (value === undefined) return newJsonLogger({ component: "docket-dashboard" });
  const logger = value as Partial<Logger> | null;
  if (
    typeof logger !== "object" ||
    logger === null ||
    typeof logger.info !== "function" ||
    typeof logger.error !== "function"
  ) {
    throw invalidOption(field, "a logger with info() and error()", value);
  }
  return logger as Logger;
}

function optionalPageSize(value: unknown, field: string): number {
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  if (
    typeof value !== "number" ||
    !Number.isSafeInteger(value) ||
    value < 1 ||
    value > MAX_PAGE_SIZE
  ) {
    throw invalidOption(field, `an integer from 1 to ${MAX_PAGE_SIZE}`, value);
  }
  return value;
}

/** Throws unless `adapter` looks like a Docket storage adapter. */
export function assertDashboardAdapter(adapter: unknown): asserts adapter is StorageAdapter {
  const ok =
    typeof adapter === "object" &&
    adapter !== null &&
    typeof (adapter as StorageAdapter).getJob === "function" &&
    typeof (adapter as StorageAdapter).listJobs === "function" &&
    typeof (adapter as StorageAdapter).now === "function";
  if (!ok) {
    throw invalidArgument(
      "adapter",
      "a Docket storage adapter (createSqliteAdapter / createPostgresAdapter / createMysqlAdapter)",
      adapter,
    );
  }
}
