import type { ColumnDefault, IndexSpec, PredicateTerm } from "./schema-tables.ts";

/**
 * Small pieces every adapter's DDL renderer needs the same way. Names spliced into DDL come
 * from the validated table name plus the fixed suffixes of the schema description.
 */

/** A SQL string literal (the description's defaults are plain ASCII). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A literal default as SQL, booleans as `booleans` spells them; null for the clock
 * default `now` (whether the database has one is the adapter's call).
 */
export function literalDefault(
  value: ColumnDefault,
  booleans: { readonly true: string; readonly false: string },
): string | null {
  if (typeof value === "object") return null;
  if (typeof value === "boolean") return value ? booleans.true : booleans.false;
  if (typeof value === "number") return String(value);
  return sqlString(value);
}

/** A partial index's predicate, each term as the adapter spells it, AND-ed. */
export function predicateSql(
  terms: readonly PredicateTerm[],
  spell: (term: PredicateTerm) => string,
): string {
  return terms.map(spell).join(" AND ");
}

/** Key columns then INCLUDE columns, for databases without INCLUDE. */
export function allIndexColumns(index: IndexSpec): readonly string[] {
  return [...index.columns, ...(index.include ?? [])];
}
