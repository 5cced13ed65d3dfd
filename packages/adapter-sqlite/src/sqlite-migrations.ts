import {
  literalDefault,
  type MigrationDialect,
  runMigrations,
  type SchemaMigration,
  type SchemaOperation,
} from "@docket/core/adapter";
import { inImmediateTransaction, prepared, type SqliteDatabase } from "./sqlite-connection.ts";
import { renderSqlite } from "./sqlite-schema-ddl.ts";

/**
 * SQLite's hooks for the shared migration runner (docs/adapters.md, "Migrations"). The
 * whole run is one `BEGIN IMMEDIATE` transaction: that is the migration lock (concurrent
 * migrators queue behind it and find the versions the first one recorded), and SQLite DDL
 * is transactional, so a failed run leaves nothing half-applied. Everything is
 * synchronous, so the runner is too.
 */
function sqliteDialect(db: SqliteDatabase, job: string): MigrationDialect {
  const exists = (type: "table" | "index", name: string) =>
    prepared(db, "SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?").get(type, name) !==
    undefined;
  const column = (table: string, name: string) =>
    prepared<{ dflt_value: string | null }>(
      db,
      "SELECT dflt_value FROM pragma_table_info(?) WHERE name = ?",
    ).get(table, name);
  const isApplied = (op: SchemaOperation): boolean => {
    switch (op.kind) {
      case "createTable":
        return exists("table", `${job}${op.table.suffix}`);
      case "addColumn":
        return column(`${job}${op.tableSuffix}`, op.column.name) !== undefined;
      case "createIndex":
        return exists("index", `${job}${op.index.suffix}`);
      case "dropIndex":
        return !exists("index", `${job}${op.indexSuffix}`);
      case "renameIndex":
        return !exists("index", `${job}${op.from}`) || exists("index", `${job}${op.to}`);
      case "setDefault": {
        const current = column(`${job}${op.tableSuffix}`, op.column)?.dflt_value ?? null;
        return current === literalDefault(op.value, { true: "1", false: "0" });
      }
    }
  };
  return {
    withLock: (work) => inImmediateTransaction(db, work),
    render: (op) => renderSqlite(job, op),
    execute: (statement) => {
      db.exec(statement);
    },
    isApplied,
    appliedVersions: () =>
      prepared<{ version: number }>(db, `SELECT version FROM ${job}_migrations`)
        .all()
        .map((row) => row.version),
    record: (migration: SchemaMigration) => {
      prepared(
        db,
        `INSERT INTO ${job}_migrations (version, description, applied_at)
VALUES (@version, @description, @now) ON CONFLICT (version) DO NOTHING`,
      ).run({ version: migration.version, description: migration.description, now: Date.now() });
    },
  };
}

/** Brings the queue whose job table is `job` to the newest schema version, synchronously. */
export function migrateSqlite(db: SqliteDatabase, job: string): void {
  const done = runMigrations(sqliteDialect(db, job));
  // Every hook above is synchronous, so the runner never returns a promise here.
  if (done instanceof Promise) throw new Error("sqlite: migrations must run synchronously");
}
