import { describeSchema } from "@docket/core/adapter";
import {
  type CatalogDefinitions,
  type CatalogQuery,
  type SchemaSnapshot,
  snapshotSchema,
} from "@docket/core/testing";

interface ColumnRow {
  name: string;
  type: string;
  nullable: "YES" | "NO";
  fallback: string | null;
  extra: string;
  generated: string | null;
}

async function columnsOf(query: CatalogQuery, table: string): Promise<ColumnRow[]> {
  return (await query(
    `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable,
       COLUMN_DEFAULT AS fallback, EXTRA AS extra, GENERATION_EXPRESSION AS generated
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
    [table],
  )) as ColumnRow[];
}

/** Index name → `UNIQUE (columns)` or `(columns)`, without the primary key. */
async function indexesOf(query: CatalogQuery, table: string): Promise<Map<string, string>> {
  const rows = (await query(
    `SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique,
       GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS columns
     FROM information_schema.STATISTICS
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY'
     GROUP BY INDEX_NAME, NON_UNIQUE`,
    [table],
  )) as { name: string; nonUnique: number | string; columns: string }[];
  return new Map(
    rows.map((row) => [
      String(row.name),
      `${Number(row.nonUnique) === 0 ? "UNIQUE " : ""}(${String(row.columns)})`,
    ]),
  );
}

/** Column types, nullability, defaults and extras, and index keys of every described table. */
export async function readMysqlCatalog(
  query: CatalogQuery,
  job: string,
): Promise<CatalogDefinitions> {
  const tables: CatalogDefinitions["tables"] = {};
  for (const spec of describeSchema()) {
    const table = `${job}${spec.suffix}`;
    const columns: Record<string, string> = {};
    for (const c of await columnsOf(query, table)) {
      columns[c.name] =
        `${c.type} nullable=${c.nullable} default=${c.fallback} ${c.extra} ${c.generated ?? ""}`;
    }
    const indexes: Record<string, string> = {};
    for (const [name, definition] of await indexesOf(query, table)) {
      indexes[name.replaceAll(job, "<t>")] = definition;
    }
    tables[spec.suffix] = { columns, indexes };
  }
  return { tables };
}

/** `AdapterHarness.inspectSchema` on MySQL; the generated column behind an index is left out. */
export function inspectMysqlSchema(query: CatalogQuery, job: string): Promise<SchemaSnapshot> {
  return snapshotSchema(job, {
    columns: async (table) =>
      (await columnsOf(query, table))
        .filter((c) => !/GENERATED/i.test(c.extra))
        .map((c) => ({ name: c.name, nullable: c.nullable === "YES", default: c.fallback })),
    indexes: async (table) => [...(await indexesOf(query, table)).keys()],
    versions: async () => {
      const rows = (await query(`SELECT version FROM ${job}_migrations`, [])) as {
        version: number;
      }[];
      return rows.map((row) => Number(row.version));
    },
  });
}
