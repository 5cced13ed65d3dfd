import { describeSchema } from "@docket/core/adapter";
import { type SchemaSnapshot, snapshotSchema } from "@docket/core/testing";
import type { Pool, RowDataPacket } from "mysql2/promise";

/** A queue's tables as MySQL's catalog describes them, the table name replaced by `<t>`. */
export interface MysqlCatalog {
  readonly tables: Record<
    string,
    { columns: Record<string, string>; indexes: Record<string, string> }
  >;
}

interface ColumnRow extends RowDataPacket {
  name: string;
  type: string;
  nullable: "YES" | "NO";
  fallback: string | null;
  extra: string;
  generated: string | null;
}

async function columnsOf(pool: Pool, table: string): Promise<ColumnRow[]> {
  const [rows] = await pool.query<ColumnRow[]>(
    `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable,
       COLUMN_DEFAULT AS fallback, EXTRA AS extra, GENERATION_EXPRESSION AS generated
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
    [table],
  );
  return rows;
}

/** Index name → `UNIQUE (columns)` or `(columns)`, without the primary key. */
async function indexesOf(pool: Pool, table: string): Promise<Map<string, string>> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique,
       GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS columns
     FROM information_schema.STATISTICS
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY'
     GROUP BY INDEX_NAME, NON_UNIQUE`,
    [table],
  );
  return new Map(
    rows.map((row) => [
      String(row.name),
      `${Number(row.nonUnique) === 0 ? "UNIQUE " : ""}(${String(row.columns)})`,
    ]),
  );
}

/** Column types, nullability, defaults and extras, and index keys of every described table. */
export async function readMysqlCatalog(pool: Pool, job: string): Promise<MysqlCatalog> {
  const tables: MysqlCatalog["tables"] = {};
  for (const spec of describeSchema()) {
    const table = `${job}${spec.suffix}`;
    const columns: Record<string, string> = {};
    for (const c of await columnsOf(pool, table)) {
      columns[c.name] =
        `${c.type} nullable=${c.nullable} default=${c.fallback} ${c.extra} ${c.generated ?? ""}`;
    }
    const indexes: Record<string, string> = {};
    for (const [name, definition] of await indexesOf(pool, table)) {
      indexes[name.replaceAll(job, "<t>")] = definition;
    }
    tables[spec.suffix] = { columns, indexes };
  }
  return { tables };
}

/** `AdapterHarness.inspectSchema` on MySQL; the generated column behind an index is left out. */
export function inspectMysqlSchema(pool: Pool, job: string): Promise<SchemaSnapshot> {
  return snapshotSchema(job, {
    columns: async (table) =>
      (await columnsOf(pool, table))
        .filter((c) => !/GENERATED/i.test(c.extra))
        .map((c) => ({ name: c.name, nullable: c.nullable === "YES", default: c.fallback })),
    indexes: async (table) => [...(await indexesOf(pool, table)).keys()],
    versions: async () => {
      const [rows] = await pool.query<RowDataPacket[]>(`SELECT version FROM ${job}_migrations`);
      return rows.map((row) => Number(row.version));
    },
  });
}
