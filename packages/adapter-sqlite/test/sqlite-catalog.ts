import { describeSchema } from "@docket/core/adapter";
import { type CatalogDefinitions, type SchemaSnapshot, snapshotSchema } from "@docket/core/testing";
import type Database from "better-sqlite3";

interface ColumnRow {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

function columnsOf(db: Database.Database, table: string): ColumnRow[] {
  return db.prepare("SELECT * FROM pragma_table_info(?)").all(table) as ColumnRow[];
}

function indexesOf(db: Database.Database, table: string): { name: string; sql: string }[] {
  // Automatic indexes (PRIMARY KEY on TEXT) have no SQL.
  return db
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
    )
    .all(table) as { name: string; sql: string }[];
}

/** Columns (type, NOT NULL, default, pk) and index definitions of every described table. */
export function readSqliteCatalog(db: Database.Database, job: string): CatalogDefinitions {
  const anonymous = (text: string) =>
    text
      .replaceAll(job, "<t>")
      .replace(/\s+/g, " ")
      .replace(" IF NOT EXISTS", "")
      .replace(/\( /g, "(");
  const tables: CatalogDefinitions["tables"] = {};
  for (const spec of describeSchema()) {
    const table = `${job}${spec.suffix}`;
    const columns: Record<string, string> = {};
    for (const c of columnsOf(db, table)) {
      columns[c.name] = `${c.type} notnull=${c.notnull} default=${c.dflt_value} pk=${c.pk}`;
    }
    const indexes: Record<string, string> = {};
    for (const index of indexesOf(db, table)) indexes[anonymous(index.name)] = anonymous(index.sql);
    tables[spec.suffix] = { columns, indexes };
  }
  return { tables };
}

/** `AdapterHarness.inspectSchema` on SQLite. */
export function inspectSqliteSchema(db: Database.Database, job: string): Promise<SchemaSnapshot> {
  return snapshotSchema(job, {
    columns: async (table) =>
      columnsOf(db, table).map((c) => ({
        name: c.name,
        // An INTEGER PRIMARY KEY is the rowid: never NULL although the catalog says notnull=0.
        nullable: c.notnull === 0 && c.pk === 0,
        default: c.dflt_value,
      })),
    indexes: async (table) => indexesOf(db, table).map((index) => index.name),
    versions: async () =>
      (db.prepare(`SELECT version FROM ${job}_migrations`).all() as { version: number }[]).map(
        (row) => row.version,
      ),
  });
}
