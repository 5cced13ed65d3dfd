import { invalidOption } from "./errors.ts";
import { isNonNegativeInteger, isPlainObject, rejectUnknownKeys } from "./validation.ts";

/**
 * How long a failed job waits before it is eligible again. The default, `null`, is the
 * Compas behaviour: eligible at once (other jobs may run first only by ordering).
 * - `{ type: "exponential", baseMs, maxMs?, jitter? }`: `baseMs * 2^(retryCount-1)`,
 *   capped at `maxMs` (default 1 hour), with full jitter (a random share of the delay)
 *   unless `jitter: false`.
 * - `{ type: "fixed", delayMs }`: the same delay every time.
 * - a function `(retryCount, job) => ms`, where `retryCount` counts this failure.
 */
export type RetryBackoff =
  | null
  | { type: "exponential"; baseMs: number; maxMs?: number; jitter?: boolean }
  | { type: "fixed"; delayMs: number }
  | ((retryCount: number) => number);

export function validateRetryBackoff(value: unknown, field: string): RetryBackoff {
  if (value === undefined || value === null) return null;
  if (typeof value === "function") return value as (retryCount: number) => number;
  if (!isPlainObject(value))
    throw invalidOption(field, "null, a function, or a backoff object", value);
  if (value.type === "fixed") {
    rejectUnknownKeys(value, ["type", "delayMs"], field, invalidOption);
    if (!isNonNegativeInteger(value.delayMs))
      throw invalidOption(`${field}.delayMs`, "a non-negative integer", value.delayMs);
    return Object.freeze({ type: "fixed", delayMs: value.delayMs });
  }
  if (value.type === "exponential") {
    rejectUnknownKeys(value, ["type", "baseMs", "maxMs", "jitter"], field, invalidOption);
    if (!isNonNegativeInteger(value.baseMs))
      throw invalidOption(`${field}.baseMs`, "a non-negative integer", value.baseMs);
    const maxMs = value.maxMs ?? 3_600_000;
    if (!isNonNegativeInteger(maxMs))
      throw invalidOption(`${field}.maxMs`, "a non-negative integer", maxMs);
    const jitter = value.jitter ?? true;
    if (typeof jitter !== "boolean") throw invalidOption(`${field}.jitter`, "a boolean", jitter);
    return Object.freeze({ type: "exponential", baseMs: value.baseMs, maxMs, jitter });
  }
  throw invalidOption(`${field}.type`, '"exponential" or "fixed"', value.type);
}

/**
 * Delay in ms before the next attempt, or null for "eligible at once". `retryCount`
 * counts the failure just recorded (1 after the first). A throwing or nonsensical custom
 * function falls back to no delay: backoff must never lose a job.
 */
export function retryDelayMs(
  backoff: RetryBackoff,
  retryCount: number,
  random = Math.random,
): number | null {
  if (backoff === null) return null;
  if (typeof backoff === "function") {
    try {
      const ms = backoff(retryCount);
      return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : null;
    } catch {
      return null;
    }
  }
  if (backoff.type === "fixed") return backoff.delayMs;
  const exponent = Math.min(retryCount - 1, 40);
  const capped = Math.min(backoff.baseMs * 2 ** exponent, backoff.maxMs ?? 3_600_000);
  return Math.round(backoff.jitter === false ? capped : capped / 2 + (random() * capped) / 2);
}
