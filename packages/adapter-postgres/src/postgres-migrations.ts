import {
  type MigrationDialect,
  runMigrations,
  type SchemaMigration,
  type SchemaOperation,
} from "@docket/core/adapter";
import type { QueryConfig, QueryResultRow } from "pg";
import { type PostgresSchemaNames, renderPostgres } from "./postgres-schema-ddl.ts";
import { advisoryXactLock } from "./postgres-sql.ts";

/** Runs one statement on the migration's client (errors mapped by the caller's runner). */
export type PostgresQuery = <R extends QueryResultRow>(
  config: QueryConfig,
) => Promise<{ rows: R[] }>;

/**
 * Postgres's hooks for the shared migration runner (docs/adapters.md, "Migrations"). The
 * whole run is one transaction holding a transaction-scoped advisory lock on the table's
 * key: concurrent migrators wait for it and then find the versions the first one recorded;
 * DDL is transactional, so a failed run leaves nothing behind.
 */
function postgresDialect(
  inTransaction: (work: (query: PostgresQuery) => Promise<void>) => Promise<void>,
  names: PostgresSchemaNames,
  lockKey: string,
): MigrationDialect {
  let query: PostgresQuery | null = null;
  const current = (): PostgresQuery => {
    if (query === null) throw new Error("postgres: migration statement outside its transaction");
    return query;
  };
  const exists = async (suffix: string) => {
    const { rows } = await current()<{ found: boolean }>({
      text: "SELECT to_regclass($1) IS NOT NULL AS found",
      values: [names.qualified(suffix)],
    });
    return rows[0]?.found === true;
  };
  const isApplied = async (op: SchemaOperation): Promise<boolean> => {
    switch (op.kind) {
      case "createTable":
        return exists(op.table.suffix);
      case "addColumn": {
        const { rows } = await current()({
          text: `SELECT 1 FROM pg_attribute
WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped`,
          values: [names.qualified(op.tableSuffix), op.column.name],
        });
        return rows.length > 0;
      }
      case "createIndex":
        return exists(op.index.suffix);
      case "dropIndex":
        return !(await exists(op.indexSuffix));
      case "renameIndex":
        return !(await exists(op.from)) || (await exists(op.to));
      case "setDefault":
        // Setting a default is idempotent and only touches the catalog.
        return false;
    }
  };
  return {
    withLock: (work) =>
      inTransaction(async (client) => {
        query = client;
        try {
          await client({
            text: advisoryXactLock(),
            values: [`docket:migrate:${lockKey}`],
          });
          await work();
        } finally {
          query = null;
        }
      }),
    render: (op) => renderPostgres(names, op),
    execute: async (text) => {
      await current()({ text });
    },
    isApplied,
    appliedVersions: async () => {
      const { rows } = await current()<{ version: number }>({
        text: `SELECT version FROM ${names.qualified("_migrations")}`,
      });
      return rows.map((row) => Number(row.version));
    },
    record: async (migration: SchemaMigration) => {
      await current()({
        text: `INSERT INTO ${names.qualified("_migrations")} (version, description, applied_at)
VALUES ($1, $2, statement_timestamp()) ON CONFLICT (version) DO NOTHING`,
        values: [migration.version, migration.description],
      });
    },
  };
}

/** Brings the queue to the newest schema version in one locked transaction. */
export async function migratePostgres(
  inTransaction: (work: (query: PostgresQuery) => Promise<void>) => Promise<void>,
  names: PostgresSchemaNames,
  lockKey: string,
): Promise<void> {
  await runMigrations(postgresDialect(inTransaction, names, lockKey));
}
