import { invalidOption } from "./errors.ts";

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,36}$/;

/** The default table of every adapter. */
export const DEFAULT_TABLE_NAME = "docket_job";

/**
 * Table names are spliced into SQL (they cannot be parameters), so they are restricted
 * to identifiers that need no quoting on any database: a letter or `_`, then letters,
 * digits or `_`, at most 37 characters: every table and index is named `<table><suffix>`
 * (docs/adapters.md, migrations), the longest suffix is 26 characters, and Postgres
 * silently truncates identifiers past 63 (MySQL refuses past 64).
 */
export function validateTableName(value: unknown, field = "tableName"): string {
  if (value === undefined) return DEFAULT_TABLE_NAME;
  if (typeof value !== "string" || !TABLE_NAME.test(value)) {
    throw invalidOption(field, "an identifier matching /^[A-Za-z_][A-Za-z0-9_]{0,36}$/", value);
  }
  return value;
}
