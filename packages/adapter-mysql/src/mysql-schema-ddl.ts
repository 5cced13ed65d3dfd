import { DocketError } from "@docket/core";
import {
  allIndexColumns,
  type ColumnSpec,
  type IndexSpec,
  literalDefault,
  type PredicateTerm,
  predicateSql,
  type SchemaOperation,
  type TableSpec,
} from "@docket/core/adapter";

/**
 * MySQL/MariaDB's DDL for the shared schema description. `exact` is the server's exact,
 * NO PAD binary collation (`pickExactCollation`), used for the names the queue matches on.
 *
 * - data is utf8mb4_bin LONGTEXT and round-trips byte for byte (not MySQL's JSON type,
 *   which normalises key order and whitespace; MariaDB's JSON is LONGTEXT anyway). TEXT
 *   columns take no literal default (MySQL 8 allows only expression defaults there); the
 *   adapter always binds them.
 * - Times are UTC DATETIME(3) and take no clock default: CURRENT_TIMESTAMP is in the
 *   session's time zone. The adapter binds UTC_TIMESTAMP(3).
 * - No partial indexes: a partial index leads with the columns its predicate fixes
 *   (`is_complete`), so finished history is one separate range; a unique partial index is
 *   a UNIQUE key on a STORED generated column that holds the key for matching rows and
 *   NULL otherwise (UNIQUE allows many NULLs; MySQL 8 and MariaDB 10.6 both accept it).
 */

const BOOLEANS = { true: "1", false: "0" } as const;
const TABLE_OPTIONS = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

function columnType(column: ColumnSpec, exact: string): string {
  const type = column.type;
  switch (type.kind) {
    case "serial":
      return "BIGINT UNSIGNED";
    case "uuid":
      return "CHAR(36) CHARACTER SET ascii COLLATE ascii_bin";
    case "string":
      return `VARCHAR(${type.max}) CHARACTER SET utf8mb4 COLLATE ${type.strict ? exact : "utf8mb4_bin"}`;
    case "ascii":
      return `CHAR(${type.length}) CHARACTER SET ascii COLLATE ascii_bin`;
    case "longText":
      return "MEDIUMTEXT CHARACTER SET utf8mb4";
    case "json":
      return "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
    case "int":
      return "INT";
    // A per-job timeout may exceed 2^31 ms (~24.8 days), which INT would reject.
    case "bigint":
      return "BIGINT";
    case "boolean":
      return "TINYINT(1)";
    case "timestamp":
      return "DATETIME(3)";
  }
}

function defaultSql(column: ColumnSpec): string | null {
  const kind = column.type.kind;
  if (column.default === undefined || kind === "json" || kind === "longText") return null;
  return literalDefault(column.default, BOOLEANS);
}

function columnSql(column: ColumnSpec, exact: string): string {
  const parts = [column.name, columnType(column, exact), column.nullable ? "NULL" : "NOT NULL"];
  if (column.type.kind === "serial") parts.push("AUTO_INCREMENT");
  const fallback = defaultSql(column);
  if (fallback !== null) parts.push(`DEFAULT ${fallback}`);
  if (column.type.kind === "json" && column.type.validated) {
    parts.push(`CHECK (JSON_VALID(${column.name}))`);
  }
  return parts.join(" ");
}

function termSql(term: PredicateTerm): string {
  return term.is === "notNull"
    ? `${term.column} IS NOT NULL`
    : `${term.column} = ${BOOLEANS[term.is]}`;
}

/** `_cron_pending_idx` on `name` → `cron_pending_name`. */
function generatedColumnName(index: IndexSpec): string {
  const stem = index.suffix.replace(/^_/, "").replace(/_idx$/, "");
  return `${stem}_${index.columns[0]}`;
}

function isGeneratedUnique(index: IndexSpec): boolean {
  return index.unique === true && index.where !== undefined;
}

/** The generated column behind a unique partial index (one key column). */
function generatedColumn(spec: TableSpec, index: IndexSpec, exact: string): string {
  const key = spec.columns.find((column) => column.name === index.columns[0]);
  if (key === undefined || index.columns.length !== 1 || index.where === undefined) {
    throw new DocketError("invalid_argument", `mysql: cannot render index ${index.suffix}`);
  }
  const matches = predicateSql(index.where, termSql);
  return (
    `${generatedColumnName(index)} ${columnType(key, exact)} ` +
    `GENERATED ALWAYS AS (IF(${matches}, ${key.name}, NULL)) STORED`
  );
}

/** The key's columns: those a predicate fixes to a boolean lead, then the index's own. */
function keyColumns(index: IndexSpec): string[] {
  if (isGeneratedUnique(index)) return [generatedColumnName(index)];
  const fixed = (index.where ?? []).filter((term) => term.is !== "notNull").map((t) => t.column);
  return [...fixed, ...allIndexColumns(index)];
}

function keySql(job: string, index: IndexSpec): string {
  const unique = index.unique ? "UNIQUE " : "";
  return `${unique}KEY ${job}${index.suffix} (${keyColumns(index).join(", ")})`;
}

function createTable(job: string, spec: TableSpec, exact: string): string {
  const table = `${job}${spec.suffix}`;
  const primary = spec.columns.filter((column) => column.primaryKey).map((column) => column.name);
  const parts = [
    ...spec.columns.map((column) => columnSql(column, exact)),
    ...spec.indexes.filter(isGeneratedUnique).map((index) => generatedColumn(spec, index, exact)),
    `PRIMARY KEY (${primary.join(", ")})`,
    ...spec.indexes.map((index) => keySql(job, index)),
    ...spec.columns.flatMap((column) =>
      column.references === undefined
        ? []
        : [
            `CONSTRAINT ${table}_${column.name}_fk FOREIGN KEY (${column.name}) ` +
              `REFERENCES ${job}${column.references.tableSuffix} (id) ON DELETE CASCADE`,
          ],
    ),
  ];
  return `CREATE TABLE IF NOT EXISTS ${table} (${parts.join(", ")}) ${TABLE_OPTIONS}`;
}

/** The statement of one operation; each is a single statement the server applies whole. */
export function renderMysql(job: string, op: SchemaOperation, exact: string): string[] {
  if (op.kind === "createTable") return [createTable(job, op.table, exact)];
  const table = `${job}${op.tableSuffix}`;
  switch (op.kind) {
    case "addColumn":
      return [`ALTER TABLE ${table} ADD COLUMN ${columnSql(op.column, exact)}`];
    case "createIndex":
      if (isGeneratedUnique(op.index)) {
        throw new DocketError(
          "invalid_argument",
          "mysql: a unique partial index needs a new table",
        );
      }
      return [`ALTER TABLE ${table} ADD ${keySql(job, op.index)}`];
    case "dropIndex":
      return [`ALTER TABLE ${table} DROP INDEX ${job}${op.indexSuffix}`];
    case "renameIndex":
      return [`ALTER TABLE ${table} RENAME INDEX ${job}${op.from} TO ${job}${op.to}`];
    case "setDefault":
      return [
        `ALTER TABLE ${table} ALTER COLUMN ${op.column} SET DEFAULT ${literalDefault(op.value, BOOLEANS)}`,
      ];
  }
}
