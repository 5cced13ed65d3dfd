import { expect, it } from "vitest";
import { describeSchema, SCHEMA_MIGRATIONS } from "../adapter/schema-migrations.ts";
import type { ColumnSpec } from "../adapter/schema-tables.ts";
import type { StorageAdapter } from "../storage-adapter.ts";
import { tableOf } from "./seam-fixtures.ts";
import type { SuiteContext } from "./suite-context.ts";

/** One table as an adapter's catalog reports it. */
export interface TableSnapshot {
  /**
   * Column name → nullability and default exactly as the catalog spells it (`5`,
   * `'{}'::json`, `false`, `NULL`, ...; null for none). Columns the adapter adds only to
   * emulate an index (MySQL's generated column) are left out.
   */
  readonly columns: Readonly<Record<string, { nullable: boolean; default: string | null }>>;
  /** Index names, without the primary key's. */
  readonly indexes: readonly string[];
}

/** What `AdapterHarness.inspectSchema` reads from a migrated queue's catalog. */
export interface SchemaSnapshot {
  /** The versions in the migrations table. */
  readonly versions: readonly number[];
  /** By table suffix (`""` is the job table); tables that do not exist are absent. */
  readonly tables: Readonly<Record<string, TableSnapshot>>;
}

/**
 * A catalog default as a plain value: casts, quotes and NULL spelled as text dropped,
 * booleans as 0/1 (how SQLite and MySQL store them).
 */
export function normalizeDefault(raw: string | null): string | null {
  if (raw === null || raw === "NULL") return null;
  const value = raw.replace(/::[a-z ]+$/i, "");
  if (value === "false") return "0";
  if (value === "true") return "1";
  const quoted = /^'(.*)'$/s.exec(value);
  return quoted === null ? value : (quoted[1] ?? "").replaceAll("''", "'");
}

/**
 * The default the description promises on every database, or undefined where databases
 * legitimately differ: the clock (`now`) and JSON text (MySQL TEXT takes no literal
 * default); the adapters always bind both.
 */
function portableDefault(column: ColumnSpec): string | null | undefined {
  const value = column.default;
  if (value === undefined) return column.type.kind === "serial" ? undefined : null;
  if (typeof value === "object" || column.type.kind === "json") return undefined;
  if (typeof value === "boolean") return value ? "1" : "0";
  return String(value);
}

/** Every adapter's catalog matches core's one description of the schema. */
export function schemaSuite({ harness, queue }: SuiteContext): void {
  // A harness without a catalog reader (the in-memory adapter has no catalog) skips these.
  const withCatalog = it.skipIf(harness.inspectSchema === undefined);
  const inspect = (adapter: StorageAdapter): Promise<SchemaSnapshot> => {
    if (harness.inspectSchema === undefined) throw new Error("schema suite: no inspectSchema");
    return harness.inspectSchema(adapter);
  };

  withCatalog("records every migration version of the description", async () => {
    const snapshot = await inspect(await queue());
    expect([...snapshot.versions].sort((a, b) => a - b)).toEqual(
      SCHEMA_MIGRATIONS.map((migration) => migration.version),
    );
  });

  withCatalog(
    "has the described tables, columns, nullability, defaults and index names",
    async () => {
      const adapter = await queue();
      const table = tableOf(adapter);
      const snapshot = await inspect(adapter);
      for (const spec of describeSchema()) {
        const actual = snapshot.tables[spec.suffix];
        expect(actual, `table ${table}${spec.suffix}`).toBeDefined();
        if (actual === undefined) continue;
        expect(Object.keys(actual.columns).sort()).toEqual(spec.columns.map((c) => c.name).sort());
        for (const column of spec.columns) {
          const found = actual.columns[column.name];
          const where = `${table}${spec.suffix}.${column.name}`;
          expect(found?.nullable, where).toBe(column.nullable);
          const expected = portableDefault(column);
          if (expected !== undefined) {
            expect(normalizeDefault(found?.default ?? null), where).toBe(expected);
          }
        }
        expect([...actual.indexes].sort()).toEqual(
          spec.indexes.map((index) => `${table}${index.suffix}`).sort(),
        );
      }
    },
  );
}

/** One column as a catalog reports it, for `snapshotSchema`. */
export interface CatalogColumn {
  readonly name: string;
  readonly nullable: boolean;
  readonly default: string | null;
}

/**
 * A `SchemaSnapshot` from an adapter's catalog readers: every described table's columns
 * (none when it does not exist) and index names, and the applied versions.
 */
export async function snapshotSchema(
  job: string,
  read: {
    columns(table: string): Promise<readonly CatalogColumn[]>;
    indexes(table: string): Promise<readonly string[]>;
    versions(): Promise<readonly number[]>;
  },
): Promise<SchemaSnapshot> {
  const tables: Record<string, TableSnapshot> = {};
  for (const spec of describeSchema()) {
    const table = `${job}${spec.suffix}`;
    const rows = await read.columns(table);
    if (rows.length === 0) continue;
    const columns: Record<string, TableSnapshot["columns"][string]> = {};
    for (const c of rows) columns[c.name] = { nullable: c.nullable, default: c.default };
    tables[spec.suffix] = { columns, indexes: await read.indexes(table) };
  }
  return { versions: await read.versions(), tables };
}

/** Runs a catalog query (on a side pool, outside every adapter) and returns its rows. */
export type CatalogQuery = (text: string, values: readonly unknown[]) => Promise<unknown[]>;

/**
 * A queue's tables as a catalog describes them, by table suffix: each column's and each
 * index's full definition as one string, the table name replaced by `<t>`, so an upgraded
 * queue and a fresh one compare equal exactly when their schemas do.
 */
export interface CatalogDefinitions {
  readonly tables: Record<
    string,
    { columns: Record<string, string>; indexes: Record<string, string> }
  >;
}
