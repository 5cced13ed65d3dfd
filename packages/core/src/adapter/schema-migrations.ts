import {
  CANCELLED_AT,
  type ColumnDefault,
  type ColumnSpec,
  FILE_TABLE,
  FINISHED_INDEX,
  type IndexSpec,
  JOB_TABLE,
  MIGRATIONS_TABLE,
  NAME_ID_INDEX,
  SESSION_TABLE,
  SESSION_TOKEN_TABLE,
  type TableSpec,
} from "./schema-tables.ts";

/**
 * One step of a migration. Tables and indexes are named by suffix after the job table.
 * Every operation can tell from the catalog whether its effect is already there (see
 * `MigrationDialect.isApplied`), so a run interrupted half-way is finished by the next.
 */
export type SchemaOperation =
  | { readonly kind: "createTable"; readonly table: TableSpec }
  | { readonly kind: "addColumn"; readonly tableSuffix: string; readonly column: ColumnSpec }
  | { readonly kind: "createIndex"; readonly tableSuffix: string; readonly index: IndexSpec }
  /** Already applied when no such index exists. */
  | { readonly kind: "dropIndex"; readonly tableSuffix: string; readonly indexSuffix: string }
  /** Already applied when `from` does not exist or `to` already does. */
  | {
      readonly kind: "renameIndex";
      readonly tableSuffix: string;
      readonly from: string;
      readonly to: string;
    }
  | {
      readonly kind: "setDefault";
      readonly tableSuffix: string;
      readonly column: string;
      readonly value: ColumnDefault;
    };

export interface SchemaMigration {
  readonly version: number;
  readonly description: string;
  readonly operations: readonly SchemaOperation[];
}

/**
 * An index name one adapter used before migration 7 and the shared name it becomes.
 * Renamed when only the old one exists; dropped when both do (a database left at an old
 * version gets the new index from this release's migrations, then finds the old one).
 */
function legacyIndex(tableSuffix: string, from: string, to: string): SchemaOperation[] {
  return [
    { kind: "renameIndex", tableSuffix, from, to },
    { kind: "dropIndex", tableSuffix, indexSuffix: from },
  ];
}

/** Every Docket migration, in order; version 2 was never released. */
export const SCHEMA_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    description: "create job table",
    operations: [{ kind: "createTable", table: JOB_TABLE }],
  },
  {
    version: 3,
    description: "create file table (docs/files.md)",
    operations: [{ kind: "createTable", table: FILE_TABLE }],
  },
  {
    version: 4,
    description: "create session store tables",
    operations: [
      { kind: "createTable", table: SESSION_TABLE },
      { kind: "createTable", table: SESSION_TOKEN_TABLE },
    ],
  },
  {
    version: 5,
    description: "operator actions: cancelled state, index for counts by name",
    operations: [
      { kind: "addColumn", tableSuffix: "", column: CANCELLED_AT },
      { kind: "createIndex", tableSuffix: "", index: FINISHED_INDEX },
    ],
  },
  {
    version: 6,
    description: "dashboard: job lists by name, newest first",
    operations: [{ kind: "createIndex", tableSuffix: "", index: NAME_ID_INDEX }],
  },
  {
    version: 7,
    description: "one schema on every database: priority default, index names",
    operations: [
      // MySQL's job table defaulted priority to 0, the others to 5 (docs/queue.md).
      { kind: "setDefault", tableSuffix: "", column: "priority", value: 5 },
      // MySQL's migrations table had `description` without a default.
      { kind: "setDefault", tableSuffix: "_migrations", column: "description", value: "" },
      ...legacyIndex("", "_claim", "_claim_idx"),
      ...legacyIndex("", "_cron_pending", "_cron_pending_idx"),
      ...legacyIndex("", "_cron_uidx", "_cron_pending_idx"),
      ...legacyIndex("", "_finished", "_finished_idx"),
      // Postgres's migration 5 widened its done index in place.
      ...legacyIndex("", "_done_idx", "_finished_idx"),
      ...legacyIndex("", "_name_id", "_name_id_idx"),
      ...legacyIndex("_file", "_file_bucket", "_file_bucket_idx"),
      ...legacyIndex("_session", "_session_created", "_session_created_idx"),
      ...legacyIndex("_session_token", "_session_token_session", "_session_token_session_idx"),
      ...legacyIndex("_session_token", "_session_token_refresh", "_session_token_refresh_idx"),
      // `_finished_idx` leads with completed_at over the same rows: cleanup reads it too.
      { kind: "dropIndex", tableSuffix: "", indexSuffix: "_completed_at_idx" },
      { kind: "dropIndex", tableSuffix: "", indexSuffix: "_completed" },
    ],
  },
];

/** The newest version: what a migrated queue reports. */
export const SCHEMA_VERSION = SCHEMA_MIGRATIONS[SCHEMA_MIGRATIONS.length - 1]?.version ?? 0;

/**
 * The tables as the migrations leave them (the fold of every operation), for checks that
 * an adapter's catalog matches the description. The migrations table is included.
 */
export function describeSchema(): readonly TableSpec[] {
  const tables = new Map<string, TableSpec>([[MIGRATIONS_TABLE.suffix, MIGRATIONS_TABLE]]);
  const update = (suffix: string, change: (table: TableSpec) => TableSpec) => {
    const table = tables.get(suffix);
    if (table !== undefined) tables.set(suffix, change(table));
  };
  for (const migration of SCHEMA_MIGRATIONS) {
    for (const op of migration.operations) {
      switch (op.kind) {
        case "createTable":
          tables.set(op.table.suffix, op.table);
          break;
        case "addColumn":
          update(op.tableSuffix, (t) => ({ ...t, columns: [...t.columns, op.column] }));
          break;
        case "createIndex":
          update(op.tableSuffix, (t) => ({ ...t, indexes: [...t.indexes, op.index] }));
          break;
        case "dropIndex":
          update(op.tableSuffix, (t) => ({
            ...t,
            indexes: t.indexes.filter((index) => index.suffix !== op.indexSuffix),
          }));
          break;
        case "renameIndex":
          // Only legacy names are renamed; the description never held them.
          break;
        case "setDefault":
          update(op.tableSuffix, (t) => ({
            ...t,
            columns: t.columns.map((c) => (c.name === op.column ? { ...c, default: op.value } : c)),
          }));
          break;
      }
    }
  }
  return [...tables.values()];
}
