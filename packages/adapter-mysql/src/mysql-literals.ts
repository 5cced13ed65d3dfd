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

/** How many statement texts `inlineValues` keeps split; the claim sends a handful of shapes. */
const MAX_TEMPLATES = 256;
const templates = new Map<string, readonly string[]>();

/** The statement's text around its `?` placeholders, split once per distinct statement. */
function templateOf(statement: string): readonly string[] {
  let pieces = templates.get(statement);
  if (pieces === undefined) {
    pieces = statement.split("?");
    // Shapes are bounded (padded lists, power-of-two slots); a flood of new ones only
    // costs the split again.
    if (templates.size >= MAX_TEMPLATES) templates.clear();
    templates.set(statement, pieces);
  }
  return pieces;
}

/**
 * A statement of `mysql-sql.ts` with its `?` placeholders replaced by `values` in order.
 * Those builders splice only validated table names and `?`, so every `?` is a placeholder.
 * The claim inlines every value of its commands here, so the text is split at its
 * placeholders once per statement shape, not scanned on every call.
 */
export function inlineValues(statement: string, values: readonly LiteralValue[]): string {
  const pieces = templateOf(statement);
  const placeholders = pieces.length - 1;
  if (placeholders > values.length) {
    throw new DocketError("database_error", "more placeholders than values in a statement");
  }
  if (placeholders < values.length) {
    throw new DocketError("database_error", "more values than placeholders in a statement");
  }
  let text = pieces[0]!;
  for (let i = 0; i < placeholders; i++) text += literal(values[i]!) + pieces[i + 1]!;
  return text;
}
