import { describeSchema } from "@docket/core/adapter";
import { type SchemaSnapshot, snapshotSchema } from "@docket/core/testing";
import type pg from "pg";

/** A queue's tables as Postgres's catalog describes them, the table name replaced by `<t>`. */
export interface PostgresCatalog {
  readonly tables: Record<
    string,
    { columns: Record<string, string>; indexes: Record<string, string> }
  >;
}

interface ColumnRow {
  column_name: string;
  data_type: string;
  character_maximum_length: number | null;
  datetime_precision: number | null;
  is_nullable: "YES" | "NO";
  column_default: string | null;
}

async function columnsOf(pool: pg.Pool, table: string): Promise<ColumnRow[]> {
  const result = await pool.query<ColumnRow>(
    `SELECT column_name, data_type, character_maximum_length, datetime_precision, is_nullable,
       column_default
     FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
    [table],
  );
  return result.rows;
}

/** Index name → definition, without primary keys. */
async function indexesOf(
  pool: pg.Pool,
  table: string,
): Promise<{ name: string; definition: string }[]> {
  const result = await pool.query<{ name: string; definition: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = to_regclass(quote_ident($1)) AND NOT x.indisprimary`,
    [table],
  );
  return result.rows;
}

/** Column types, nullability and defaults, and index definitions of every described table. */
export async function readPostgresCatalog(pool: pg.Pool, job: string): Promise<PostgresCatalog> {
  const anonymous = (text: string) => text.replaceAll(job, "<t>");
  const tables: PostgresCatalog["tables"] = {};
  for (const spec of describeSchema()) {
    const table = `${job}${spec.suffix}`;
    const columns: Record<string, string> = {};
    for (const c of await columnsOf(pool, table)) {
      columns[c.column_name] = anonymous(
        `${c.data_type}(${c.character_maximum_length ?? ""},${c.datetime_precision ?? ""}) ` +
          `nullable=${c.is_nullable} default=${c.column_default}`,
      );
    }
    const indexes: Record<string, string> = {};
    for (const index of await indexesOf(pool, table)) {
      indexes[anonymous(index.name)] = anonymous(index.definition);
    }
    tables[spec.suffix] = { columns, indexes };
  }
  return { tables };
}

/** `AdapterHarness.inspectSchema` on Postgres. */
export function inspectPostgresSchema(pool: pg.Pool, job: string): Promise<SchemaSnapshot> {
  return snapshotSchema(job, {
    columns: async (table) =>
      (await columnsOf(pool, table)).map((c) => ({
        name: c.column_name,
        nullable: c.is_nullable === "YES",
        // A serial's default is its sequence: no default in the description's terms.
        default: c.column_default?.startsWith("nextval(") === true ? null : c.column_default,
      })),
    indexes: async (table) => (await indexesOf(pool, table)).map((index) => index.name),
    versions: async () =>
      (await pool.query<{ version: number }>(`SELECT version FROM "${job}_migrations"`)).rows.map(
        (row) => row.version,
      ),
  });
}
