import { describeSchema } from "@docket/core/adapter";
import {
  type CatalogDefinitions,
  type CatalogQuery,
  type SchemaSnapshot,
  snapshotSchema,
} from "@docket/core/testing";

interface ColumnRow {
  column_name: string;
  data_type: string;
  character_maximum_length: number | null;
  datetime_precision: number | null;
  is_nullable: "YES" | "NO";
  column_default: string | null;
}

async function columnsOf(query: CatalogQuery, table: string): Promise<ColumnRow[]> {
  return (await query(
    `SELECT column_name, data_type, character_maximum_length, datetime_precision, is_nullable,
       column_default
     FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
    [table],
  )) as ColumnRow[];
}

/** Index name → definition, without primary keys. */
async function indexesOf(
  query: CatalogQuery,
  table: string,
): Promise<{ name: string; definition: string }[]> {
  return (await query(
    `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = to_regclass(quote_ident($1)) AND NOT x.indisprimary`,
    [table],
  )) as { name: string; definition: string }[];
}

/** Column types, nullability and defaults, and index definitions of every described table. */
export async function readPostgresCatalog(
  query: CatalogQuery,
  job: string,
): Promise<CatalogDefinitions> {
  const anonymous = (text: string) => text.replaceAll(job, "<t>");
  const tables: CatalogDefinitions["tables"] = {};
  for (const spec of describeSchema()) {
    const table = `${job}${spec.suffix}`;
    const columns: Record<string, string> = {};
    for (const c of await columnsOf(query, table)) {
      columns[c.column_name] = anonymous(
        `${c.data_type}(${c.character_maximum_length ?? ""},${c.datetime_precision ?? ""}) ` +
          `nullable=${c.is_nullable} default=${c.column_default}`,
      );
    }
    const indexes: Record<string, string> = {};
    for (const index of await indexesOf(query, table)) {
      indexes[anonymous(index.name)] = anonymous(index.definition);
    }
    tables[spec.suffix] = { columns, indexes };
  }
  return { tables };
}

/** `AdapterHarness.inspectSchema` on Postgres. */
export function inspectPostgresSchema(query: CatalogQuery, job: string): Promise<SchemaSnapshot> {
  return snapshotSchema(job, {
    columns: async (table) =>
      (await columnsOf(query, table)).map((c) => ({
        name: c.column_name,
        nullable: c.is_nullable === "YES",
        // A serial's default is its sequence: no default in the description's terms.
        default: c.column_default?.startsWith("nextval(") === true ? null : c.column_default,
      })),
    indexes: async (table) => (await indexesOf(query, table)).map((index) => index.name),
    versions: async () =>
      ((await query(`SELECT version FROM "${job}_migrations"`, [])) as { version: number }[]).map(
        (row) => row.version,
      ),
  });
}
