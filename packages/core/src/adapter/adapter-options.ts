import { invalidOption } from "../errors.ts";

/**
 * Checks an adapter factory's options the same way on every adapter: every problem is an
 * `invalid_option` naming the key, in the one `expected <key> to be …, got: …` format.
 * Each adapter's `*-options.ts` keeps only its own keys and what they mean.
 */

/** The options as a record, after rejecting a non-object and any key not in `known`. */
export function optionsRecord(
  options: unknown,
  known: readonly string[],
  shape: string,
): Record<string, unknown> {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw invalidOption("options", `an object with ${shape}`, options);
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw invalidOption(key, `one of ${known.join(", ")} (unknown option)`, record[key]);
    }
  }
  return record;
}

/**
 * Which of two alternatives was given (exactly one must be): neither is reported on
 * `primary`, both on `alternative`.
 */
export function oneOfOptions<A extends string, B extends string>(
  record: Record<string, unknown>,
  primary: A,
  alternative: B,
): A | B {
  const hasPrimary = record[primary] !== undefined;
  const hasAlternative = record[alternative] !== undefined;
  if (hasPrimary && hasAlternative) {
    throw invalidOption(
      alternative,
      `absent when ${primary} is given (pass one of ${primary} or ${alternative})`,
      record[alternative],
    );
  }
  if (!hasPrimary && !hasAlternative) {
    throw invalidOption(primary, `given (or ${alternative})`, undefined);
  }
  return hasPrimary ? primary : alternative;
}

/** Rejects `key` when `other` is given (e.g. a pool size next to the caller's own pool). */
export function rejectOptionWith(
  record: Record<string, unknown>,
  key: string,
  other: string,
): void {
  if (record[key] !== undefined && record[other] !== undefined) {
    throw invalidOption(key, `absent when ${other} is given`, record[key]);
  }
}

/** A non-empty string. */
export function stringOption(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  if (typeof value !== "string" || value.length === 0) {
    throw invalidOption(key, "a non-empty string", value);
  }
  return value;
}

/** A boolean, or `fallback` when absent. */
export function booleanOption(
  record: Record<string, unknown>,
  key: string,
  fallback: boolean,
): boolean {
  const value = record[key];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalidOption(key, "a boolean", value);
  return value;
}

/** An integer in `[min, max]`, or `fallback` when absent. */
export function integerOption(
  record: Record<string, unknown>,
  key: string,
  range: { min: number; max: number; fallback: number },
): number {
  const value = record[key];
  if (value === undefined) return range.fallback;
  if (
    !Number.isSafeInteger(value) ||
    (value as number) < range.min ||
    (value as number) > range.max
  ) {
    throw invalidOption(key, `an integer from ${range.min} to ${range.max}`, value);
  }
  return value as number;
}
