import { invalidOption } from "./errors.ts";
import type { DocketEvent } from "./events.ts";
import type { JobRecord } from "./job-record.ts";
import { guardLogger, type Logger, newJsonLogger } from "./logger.ts";
import { type RetryBackoff, validateRetryBackoff } from "./retry-backoff.ts";
import { isNonNegativeInteger, isPlainObject, validateJobName } from "./validation.ts";

/**
 * A job handler: `event` carries `signal` (aborts at the timeout) and `log`; `db` is the
 * adapter's native handle (inside a transactional handler, the transaction's); `job` is
 * the record. Resolve to succeed; throw or reject to fail the attempt.
 */
export type JobHandler = (
  event: DocketEvent,
  db: unknown,
  job: JobRecord,
  context: HandlerContext,
) => unknown;

/** Fourth handler argument: what built-in jobs need to reach the queue itself. */
export interface HandlerContext {
  /** The adapter the worker runs on (bound to the transaction for transactional handlers). */
  readonly adapter: import("./storage-adapter.ts").StorageAdapter;
}

/** A handler with options. */
export interface JobHandlerEntry {
  handler: JobHandler;
  /** Timeout in ms for this job name; overridden by a job's own `handlerTimeout`. */
  timeout?: number;
  /**
   * Run inside a database transaction whose handle is passed as `db`; its writes commit
   * together with the job's completion and roll back with a failure. Default false.
   */
  transactional?: boolean;
}

export interface QueueWorkerOptions {
  /** Job name → handler or `{ handler, timeout?, transactional? }`. Required. */
  handler: Record<string, JobHandler | JobHandlerEntry>;
  /** ms an idle worker waits before looking again. Default 1500. */
  pollInterval?: number;
  /** Jobs run at the same time by this worker. Default 1. */
  parallelCount?: number;
  /** A job is attempted at most this many times. Default 2. */
  maxRetryCount?: number;
  /** Fallback timeout in ms. Default 30 000. */
  handlerTimeout?: number;
  /** Only these names. */
  includedNames?: readonly string[];
  /** Never these names. */
  excludedNames?: readonly string[];
  /** Skip the priority/scheduledAt ordering. Default false. */
  unsafeIgnoreSorting?: boolean;
  /** Delete finished jobs instead of keeping them as history. Default false. */
  deleteJobOnCompletion?: boolean;
  /** Docket: lease length in ms, renewed by heartbeat every third of it. Default 30 000. */
  leaseMs?: number;
  /**
   * Docket: jobs claimed beyond `parallelCount` and kept leased in a local buffer, so one
   * claim serves many jobs (throughput on busy queues). Buffered jobs are invisible to
   * other workers, and a more urgent job enqueued later waits behind the buffer; `stop()`
   * hands unstarted ones back untouched. Default 0 (claim only for free slots).
   */
  prefetchCount?: number;
  /** Docket: delay before a failed job is retried. Default null (at once). */
  retryBackoff?: RetryBackoff;
  /** Docket: where the worker logs. Default one JSON object per line. */
  logger?: Logger;
  /** Docket: identifies this worker in leases and logs. Default `<hostname>:<pid>:<random>`. */
  workerId?: string;
}

export interface ResolvedHandler {
  handler: JobHandler;
  timeout: number | undefined;
  transactional: boolean;
}

export interface ResolvedWorkerOptions {
  handlers: ReadonlyMap<string, ResolvedHandler>;
  /** Names this worker claims: handled, included, not excluded. */
  names: readonly string[];
  pollInterval: number;
  parallelCount: number;
  maxRetryCount: number;
  handlerTimeout: number;
  unsafeIgnoreSorting: boolean;
  deleteJobOnCompletion: boolean;
  leaseMs: number;
  prefetchCount: number;
  retryBackoff: RetryBackoff;
  logger: Logger;
  workerId: string;
}

/** Accepted because the Compas documentation spells them this way and users copy it. */
const ALIASES: Readonly<Record<string, string>> = {
  includeNames: "includedNames",
  excludeNames: "excludedNames",
  unsafeIngoreSorting: "unsafeIgnoreSorting",
};

const KNOWN_KEYS = [
  "handler",
  "pollInterval",
  "parallelCount",
  "maxRetryCount",
  "handlerTimeout",
  "includedNames",
  "excludedNames",
  "unsafeIgnoreSorting",
  "deleteJobOnCompletion",
  "leaseMs",
  "prefetchCount",
  "retryBackoff",
  "logger",
  "workerId",
];

/** Fills defaults, resolves aliases, rejects unknown keys and bad values, freezes. */
export function resolveWorkerOptions(input: unknown): ResolvedWorkerOptions {
  if (!isPlainObject(input)) throw invalidOption("options", "an object", input);
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const canonical = ALIASES[key] ?? key;
    if (!KNOWN_KEYS.includes(canonical)) {
      throw invalidOption(`options.${key}`, `one of ${KNOWN_KEYS.join(", ")}`, key);
    }
    if (value === undefined) continue;
    if (canonical in options) {
      throw invalidOption(`options.${key}`, `given once (it is an alias of ${canonical})`, key);
    }
    options[canonical] = value;
  }

  const handlers = resolveHandlers(options.handler);
  const included = optionalNameList(options.includedNames, "includedNames");
  const excluded = optionalNameList(options.excludedNames, "excludedNames");
  // Differs from Compas: both filters apply together, and only handled names are claimed.
  const names = [...handlers.keys()].filter(
    (name) => (included === undefined || included.has(name)) && !excluded?.has(name),
  );

  const logger = options.logger ?? newJsonLogger({ type: "docket.queue" });
  const maybeLogger = logger as Partial<Logger>;
  if (typeof maybeLogger.info !== "function" || typeof maybeLogger.error !== "function") {
    throw invalidOption("logger", "an object with info and error functions", logger);
  }

  const workerId = options.workerId ?? defaultWorkerId();
  if (typeof workerId !== "string" || workerId.length === 0 || workerId.length > 200) {
    throw invalidOption("workerId", "a string of 1 to 200 characters", workerId);
  }

  return Object.freeze({
    handlers,
    names: Object.freeze(names),
    pollInterval: integerOption(options.pollInterval, "pollInterval", 1500, 1),
    parallelCount: integerOption(options.parallelCount, "parallelCount", 1, 1, 1000),
    maxRetryCount: integerOption(options.maxRetryCount, "maxRetryCount", 2, 1),
    handlerTimeout: integerOption(options.handlerTimeout, "handlerTimeout", 30_000, 0),
    unsafeIgnoreSorting: booleanOption(options.unsafeIgnoreSorting, "unsafeIgnoreSorting"),
    deleteJobOnCompletion: booleanOption(options.deleteJobOnCompletion, "deleteJobOnCompletion"),
    leaseMs: integerOption(options.leaseMs, "leaseMs", 30_000, 100),
    prefetchCount: integerOption(options.prefetchCount, "prefetchCount", 0, 0, 10_000),
    retryBackoff: validateRetryBackoff(options.retryBackoff, "retryBackoff"),
    logger: guardLogger(maybeLogger as Logger),
    workerId,
  });
}

function resolveHandlers(value: unknown): ReadonlyMap<string, ResolvedHandler> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidOption("handler", "an object mapping job names to handlers", value);
  }
  const handlers = new Map<string, ResolvedHandler>();
  // Own enumerable keys only: a job named `toString` or `constructor` is not a handler.
  for (const name of Object.keys(value)) {
    validateJobName(name, `handler[${JSON.stringify(name)}]`);
    const entry = (value as Record<string, unknown>)[name];
    const field = `handler[${JSON.stringify(name)}]`;
    if (typeof entry === "function") {
      handlers.set(name, {
        handler: entry as JobHandler,
        timeout: undefined,
        transactional: false,
      });
      continue;
    }
    if (!isPlainObject(entry) || typeof entry.handler !== "function") {
      throw invalidOption(
        field,
        "a function or { handler: function, timeout?, transactional? }",
        entry,
      );
    }
    for (const key of Object.keys(entry)) {
      if (!["handler", "timeout", "transactional"].includes(key)) {
        throw invalidOption(`${field}.${key}`, "one of handler, timeout, transactional", key);
      }
    }
    if (entry.timeout !== undefined && !isNonNegativeInteger(entry.timeout)) {
      throw invalidOption(`${field}.timeout`, "a non-negative integer", entry.timeout);
    }
    if (entry.transactional !== undefined && typeof entry.transactional !== "boolean") {
      throw invalidOption(`${field}.transactional`, "a boolean", entry.transactional);
    }
    handlers.set(name, {
      handler: entry.handler as JobHandler,
      timeout: entry.timeout as number | undefined,
      transactional: entry.transactional === true,
    });
  }
  return handlers;
}

function optionalNameList(value: unknown, field: string): Set<string> | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((name) => typeof name !== "string")) {
    throw invalidOption(field, "an array of job names", value);
  }
  return new Set(value as string[]);
}

function integerOption(
  value: unknown,
  field: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw invalidOption(field, range, value);
  }
  return value;
}

function booleanOption(value: unknown, field: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw invalidOption(field, "a boolean", value);
  return value;
}

function defaultWorkerId(): string {
  const host = process.env.HOSTNAME ?? "host";
  return `${host}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}
