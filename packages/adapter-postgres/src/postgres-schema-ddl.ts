import {
  type ColumnSpec,
  type IndexSpec,
  literalDefault,
  predicateSql,
  type SchemaOperation,
  type TableSpec,
} from "@docket/core/adapter";

/**
 * Postgres's DDL for the shared schema description. Every name is double-quoted (reserved
 * words work, case is kept); tables may live in a schema, indexes always live in their
 * table's schema, so they are created with a bare name and dropped or renamed qualified.
 */
export interface PostgresSchemaNames {
  /** `"schema"."<job><suffix>"` or `"<job><suffix>"`. */
  qualified(suffix: string): string;
  /** `"<job><suffix>"`. */
  bare(suffix: string): string;
}

/** From the quoted job table, `"schema"."job"` or `"job"`: a suffix goes inside its closing quote. */
export function postgresSchemaNames(qualifiedJob: string): PostgresSchemaNames {
  const bareJob = qualifiedJob.slice(qualifiedJob.lastIndexOf('"', qualifiedJob.length - 2));
  return {
    qualified: (suffix) => `${qualifiedJob.slice(0, -1)}${suffix}"`,
    bare: (suffix) => `${bareJob.slice(0, -1)}${suffix}"`,
  };
}

function columnType(column: ColumnSpec): string {
  const type = column.type;
  switch (type.kind) {
    case "serial":
      return "bigserial";
    case "uuid":
      return "uuid";
    case "string":
      return type.strict ? `varchar(${type.max})` : "text";
    case "ascii":
    case "longText":
      return "text";
    // json keeps the text as written (key order, duplicate keys); jsonb is for documents
    // changed with jsonb operators.
    case "json":
      return type.keepText ? "json" : "jsonb";
    case "int":
      return "integer";
    case "bigint":
      return "bigint";
    case "boolean":
      return "boolean";
    case "timestamp":
      return type.millisecondsOnly ? "timestamptz(3)" : "timestamptz";
  }
}

/** `statement_timestamp()`, not `now()`: inside a transaction it still advances. */
function defaultSql(column: ColumnSpec): string | null {
  if (column.default === undefined) return null;
  return (
    literalDefault(column.default, { true: "true", false: "false" }) ?? "statement_timestamp()"
  );
}

function columnSql(names: PostgresSchemaNames, column: ColumnSpec): string {
  const parts = [column.name, columnType(column)];
  if (column.primaryKey) parts.push("PRIMARY KEY");
  else parts.push(column.nullable ? "NULL" : "NOT NULL");
  const fallback = defaultSql(column);
  if (fallback !== null) parts.push(`DEFAULT ${fallback}`);
  if (column.references !== undefined) {
    parts.push(
      `REFERENCES ${names.qualified(column.references.tableSuffix)} (id) ON DELETE CASCADE`,
    );
  }
  return parts.join(" ");
}

function createIndex(names: PostgresSchemaNames, tableSuffix: string, index: IndexSpec): string {
  const unique = index.unique ? "UNIQUE " : "";
  const include = index.include === undefined ? "" : ` INCLUDE (${index.include.join(", ")})`;
  const where =
    index.where === undefined
      ? ""
      : ` WHERE ${predicateSql(index.where, (term) =>
          term.is === "notNull"
            ? `${term.column} IS NOT NULL`
            : term.is === "true"
              ? term.column
              : `NOT ${term.column}`,
        )}`;
  return (
    `CREATE ${unique}INDEX ${names.bare(index.suffix)} ON ${names.qualified(tableSuffix)} ` +
    `(${index.columns.join(", ")})${include}${where}`
  );
}

function createTable(names: PostgresSchemaNames, spec: TableSpec): string[] {
  const columns = spec.columns.map((column) => `  ${columnSql(names, column)}`).join(",\n");
  return [
    `CREATE TABLE ${names.qualified(spec.suffix)} (\n${columns}\n)`,
    ...spec.indexes.map((index) => createIndex(names, spec.suffix, index)),
  ];
}

/** The statements of one operation. */
export function renderPostgres(names: PostgresSchemaNames, op: SchemaOperation): string[] {
  switch (op.kind) {
    case "createTable":
      return createTable(names, op.table);
    case "addColumn":
      return [
        `ALTER TABLE ${names.qualified(op.tableSuffix)} ADD COLUMN ${columnSql(names, op.column)}`,
      ];
    case "createIndex":
      return [createIndex(names, op.tableSuffix, op.index)];
    case "dropIndex":
      return [`DROP INDEX IF EXISTS ${names.qualified(op.indexSuffix)}`];
    case "renameIndex":
      return [`ALTER INDEX ${names.qualified(op.from)} RENAME TO ${names.bare(op.to)}`];
    case "setDefault": {
      const value =
        literalDefault(op.value, { true: "true", false: "false" }) ?? "statement_timestamp()";
      return [
        `ALTER TABLE ${names.qualified(op.tableSuffix)} ALTER COLUMN ${op.column} SET DEFAULT ${value}`,
      ];
    }
  }
}
