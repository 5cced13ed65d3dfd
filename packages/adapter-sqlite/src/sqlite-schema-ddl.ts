import { DocketError } from "@docket/core";
import {
  allIndexColumns,
  type ColumnSpec,
  type IndexSpec,
  literalDefault,
  predicateSql,
  type SchemaOperation,
  type TableSpec,
} from "@docket/core/adapter";

/**
 * SQLite's DDL for the shared schema description. Differs from Postgres: times are
 * INTEGER epoch milliseconds (SQLite has no timestamp type; the clock is the process's),
 * booleans are INTEGER 0/1, lengths are CHECK constraints, and AUTOINCREMENT keeps job ids
 * increasing and never reused (64-bit rowids).
 */

const BOOLEANS = { true: "1", false: "0" } as const;

function columnType(column: ColumnSpec): string {
  switch (column.type.kind) {
    case "serial":
    case "int":
    case "bigint":
    case "boolean":
    case "timestamp":
      return "INTEGER";
    default:
      return "TEXT";
  }
}

function columnSql(table: string, column: ColumnSpec): string {
  const { name, type } = column;
  const parts = [name, columnType(column)];
  if (type.kind === "serial") parts.push("PRIMARY KEY AUTOINCREMENT");
  // An INTEGER PRIMARY KEY is the rowid, never NULL; saying NOT NULL would change nothing.
  else if (column.primaryKey && type.kind === "int") parts.push("PRIMARY KEY");
  else if (column.primaryKey) parts.push("PRIMARY KEY NOT NULL");
  else parts.push(column.nullable ? "NULL" : "NOT NULL");
  const fallback = column.default === undefined ? null : literalDefault(column.default, BOOLEANS);
  if (fallback !== null) parts.push(`DEFAULT ${fallback}`);
  if (type.kind === "string" && type.strict) parts.push(`CHECK (length(${name}) <= ${type.max})`);
  if (type.kind === "json" && type.validated) parts.push(`CHECK (json_valid(${name}))`);
  if (column.references !== undefined) {
    parts.push(`REFERENCES ${table}${column.references.tableSuffix} (id) ON DELETE CASCADE`);
  }
  return parts.join(" ");
}

/** `is_complete = 0`, spelled exactly as in the queries so the planner uses the index. */
function where(index: IndexSpec): string {
  if (index.where === undefined) return "";
  const sql = predicateSql(index.where, (term) =>
    term.is === "notNull" ? `${term.column} IS NOT NULL` : `${term.column} = ${BOOLEANS[term.is]}`,
  );
  return ` WHERE ${sql}`;
}

function createIndex(job: string, table: string, index: IndexSpec): string {
  // Without INCLUDE, carried columns are trailing keys (the index still covers the read).
  const columns = allIndexColumns(index).join(", ");
  const unique = index.unique ? "UNIQUE " : "";
  return `CREATE ${unique}INDEX ${job}${index.suffix} ON ${table} (${columns})${where(index)}`;
}

function createTable(job: string, spec: TableSpec): string[] {
  const table = `${job}${spec.suffix}`;
  const columns = spec.columns.map((column) => `  ${columnSql(job, column)}`).join(",\n");
  return [
    `CREATE TABLE ${table} (\n${columns}\n)`,
    ...spec.indexes.map((index) => createIndex(job, table, index)),
  ];
}

/** The statements of one operation on the queue whose job table is `job`. */
export function renderSqlite(job: string, op: SchemaOperation): string[] {
  switch (op.kind) {
    case "createTable":
      return createTable(job, op.table);
    case "addColumn":
      return [`ALTER TABLE ${job}${op.tableSuffix} ADD COLUMN ${columnSql(job, op.column)}`];
    case "createIndex":
      return [createIndex(job, `${job}${op.tableSuffix}`, op.index)];
    case "dropIndex":
      return [`DROP INDEX IF EXISTS ${job}${op.indexSuffix}`];
    case "renameIndex":
    case "setDefault":
      // Neither exists in SQLite; no SQLite queue ever needs them (its names and defaults
      // were the shared ones already), which `isApplied` confirms from the catalog.
      throw new DocketError("invalid_argument", `sqlite: no ${op.kind} in SQLite's DDL`);
  }
}
