import { invalidArgument } from "./errors.ts";
import type { JsonValue } from "./job-record.ts";
import type { NewJob } from "./storage-adapter.ts";
import {
  isPlainObject,
  isValidDate,
  isWellFormedUnicode,
  rejectUnknownKeys,
  validateJobName,
  validateNonNegativeInteger,
  validatePriority,
} from "./validation.ts";

/** What `queueWorkerAddJob` accepts. */
export interface AddJobInput {
  /** Selects the handler. Non-empty, at most 255 characters. */
  name: string;
  /** Any JSON value; default `{}`. */
  data?: JsonValue | undefined;
  /** Integer ≥ 0, lower runs first; default 5. */
  priority?: number | undefined;
  /** Not eligible before this instant; default now (the adapter's clock). */
  scheduledAt?: Date | undefined;
  /** Per-job timeout in ms, integer ≥ 0; default null (the handler's or worker's). */
  handlerTimeout?: number | null | undefined;
}

export const DEFAULT_JOB_PRIORITY = 5;

/**
 * JSON.stringify writes NUL as `\u0000` and a lone surrogate as `\udXXX` (a valid pair is
 * written raw). The escape counts only when preceded by an even number of backslashes,
 * so a user's literal text "\\u0000" is not mistaken for one.
 */
const UNSTORABLE_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

const INPUT_KEYS = ["name", "data", "priority", "scheduledAt", "handlerTimeout"] as const;

/** Validates one job and turns it into what adapters store. Throws before any write. */
export function toNewJob(input: unknown, field = "job"): NewJob {
  if (!isPlainObject(input)) throw invalidArgument(field, "an object", input);
  rejectUnknownKeys(input, INPUT_KEYS, field, invalidArgument);
  const name = validateJobName(input.name, `${field}.name`);
  const priority =
    input.priority === undefined
      ? DEFAULT_JOB_PRIORITY
      : validatePriority(input.priority, `${field}.priority`);
  let scheduledAt: Date | null = null;
  if (input.scheduledAt !== undefined) {
    if (!isValidDate(input.scheduledAt)) {
      throw invalidArgument(`${field}.scheduledAt`, "a valid Date", input.scheduledAt);
    }
    scheduledAt = new Date(input.scheduledAt.getTime());
  }
  const handlerTimeout =
    input.handlerTimeout === undefined || input.handlerTimeout === null
      ? null
      : validateNonNegativeInteger(input.handlerTimeout, `${field}.handlerTimeout`);
  const dataJson = serializeData(input.data === undefined ? {} : input.data, `${field}.data`);
  return { name, dataJson, priority, scheduledAt, handlerTimeout };
}

/**
 * JSON text of a job's data. Rejects what JSON cannot carry faithfully (cycles, BigInt,
 * functions, symbols, `undefined` at the top) and text that some database cannot store
 * (NUL characters, lone surrogates) — so a payload that works on SQLite in tests also
 * works on Postgres and MySQL in production.
 */
export function serializeData(data: unknown, field: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(data, (_key, value: unknown) => {
      if (typeof value === "function" || typeof value === "symbol") {
        throw new TypeError(`a ${typeof value} is not JSON`);
      }
      return value;
    });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw invalidArgument(field, `JSON-serialisable (${reason})`, data);
  }
  if (json === undefined) throw invalidArgument(field, "JSON-serialisable", data);
  if (UNSTORABLE_ESCAPE.test(json) || !isWellFormedUnicode(json)) {
    throw invalidArgument(field, "free of NUL characters and lone surrogates", data);
  }
  return json;
}
