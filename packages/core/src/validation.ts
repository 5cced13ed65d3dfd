import { invalidArgument } from "./errors.ts";

/** Largest delay Node's timers accept; longer ones fire at once (spec §7). */
export const MAX_TIMER_MS = 2_147_483_647;

export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

/** True when the string holds no lone surrogate (so every database can store it). */
export function isWellFormedUnicode(value: string): boolean {
  // String.prototype.isWellFormed is Node 20+; the regex keeps older runtimes honest.
  const native = (value as { isWellFormed?: () => boolean }).isWellFormed;
  if (typeof native === "function") return native.call(value);
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);
}

/** Job and cron names: non-empty, at most 255 characters, well-formed, no NUL. */
export function validateJobName(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw invalidArgument(field, "a non-empty string", value);
  }
  if (value.length > 255) {
    throw invalidArgument(field, "at most 255 characters long", value);
  }
  if (!isWellFormedUnicode(value) || value.includes("\u0000")) {
    throw invalidArgument(field, "well-formed Unicode without NUL characters", value);
  }
  return value;
}

/** Priorities are stored as 32-bit integers on every database. */
export const MAX_PRIORITY = 2_147_483_647;

export function validatePriority(value: unknown, field: string): number {
  if (!isNonNegativeInteger(value) || value > MAX_PRIORITY) {
    throw invalidArgument(field, `an integer from 0 to ${MAX_PRIORITY}`, value);
  }
  return value;
}

export function validateNonNegativeInteger(value: unknown, field: string): number {
  if (!isNonNegativeInteger(value)) {
    throw invalidArgument(field, "a non-negative integer", value);
  }
  return value;
}

/** Rejects keys outside `allowed` so a typo never silently becomes a default. */
export function rejectUnknownKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  field: string,
  makeError: typeof invalidArgument,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw makeError(`${field}.${key}`, `one of ${allowed.join(", ")}`, key);
    }
  }
}
