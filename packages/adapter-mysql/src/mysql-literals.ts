import { DocketError } from "@docket/core";

/**
 * Values written into statement text, for the claim's multi-statement round trips (see
 * `mysql-batched-claim.ts`): server-side prepared statements cannot carry more than one
 * statement, so there the values travel as literals instead of `?` parameters.
 *
 * Every literal is one that no `sql_mode` reads differently: integers as decimal digits,
 * strings as `_utf8mb4 X'…'` (hex digits only, so `NO_BACKSLASH_ESCAPES` and
 * `ANSI_QUOTES` have nothing to change; the introducer makes it a utf8mb4 character
 * string, not a binary one, so comparisons and DATETIME conversions work as with a
 * parameter), and NULL.
 */
export type LiteralValue = number | string | null;

/** One value as an SQL literal. */
export function literal(value: LiteralValue): string {
  if (value === null) return "NULL";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new DocketError("database_error", `not an integer literal: ${value}`);
    }
    return String(value);
  }
  if (typeof value === "string") {
    return `_utf8mb4 X'${Buffer.from(value, "utf8").toString("hex")}'`;
  }
  throw new DocketError("database_error", `no SQL literal for a ${typeof value}`);
}

/**
 * A statement of `mysql-sql.ts` with its `?` placeholders replaced by `values` in order.
 * Those builders splice only validated table names and `?`, so every `?` is a placeholder.
 */
export function inlineValues(statement: string, values: readonly LiteralValue[]): string {
  let next = 0;
  const text = statement.replace(/\?/g, () => {
    if (next >= values.length) {
      throw new DocketError("database_error", "more placeholders than values in a statement");
    }
    return literal(values[next++]!);
  });
  if (next !== values.length) {
    throw new DocketError("database_error", "more values than placeholders in a statement");
  }
  return text;
}
