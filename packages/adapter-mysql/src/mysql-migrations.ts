import {
  type MigrationDialect,
  runMigrations,
  type SchemaMigration,
  type SchemaOperation,
} from "@docket/core/adapter";
import { type MysqlConnection, selectRows, withNamedLock, write } from "./mysql-connection.ts";
import { toNumber } from "./mysql-rows.ts";
import { renderMysql } from "./mysql-schema-ddl.ts";

/**
 * Collations that compare strings byte for byte *including trailing spaces*, in order of
 * preference. `utf8mb4_bin` is a PAD SPACE collation on both servers ('a' = 'a '), so a
 * job named `"a "` would be claimed by a worker asking for `"a"` and would collide with
 * the pending cron row of `"a"`. Differs by server: MySQL 8 has `utf8mb4_0900_bin`,
 * MariaDB 10.2+ has `utf8mb4_nopad_bin`; `utf8mb4_bin` is the last resort.
 */
const EXACT_COLLATIONS = ["utf8mb4_0900_bin", "utf8mb4_nopad_bin"] as const;
export const FALLBACK_COLLATION = "utf8mb4_bin";

/** Which of `EXACT_COLLATIONS` the server has (fixed literals, no parameters). */
export const selectExactCollations =
  "SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS " +
  `WHERE COLLATION_NAME IN (${EXACT_COLLATIONS.map((c) => `'${c}'`).join(", ")})`;

export function pickExactCollation(available: readonly string[]): string {
  return EXACT_COLLATIONS.find((c) => available.includes(c)) ?? FALLBACK_COLLATION;
}

/** Does `information_schema.<view>` have a row for this object of the current database? */
async function inCatalog(
  connection: MysqlConnection,
  view: "TABLES" | "COLUMNS" | "STATISTICS",
  where: Record<string, string>,
): Promise<boolean> {
  const terms = Object.keys(where).map((column) => ` AND ${column} = ?`);
  const rows = await selectRows(
    connection,
    `SELECT 1 AS found FROM information_schema.${view} WHERE TABLE_SCHEMA = DATABASE()${terms.join("")} LIMIT 1`,
    Object.values(where),
  );
  return rows.length > 0;
}

/**
 * MySQL's hooks for the shared migration runner (docs/adapters.md, "Migrations"). DDL
 * commits implicitly, so a migration cannot be rolled back as a unit: every operation is
 * one statement the server applies whole, checked against `information_schema` before it
 * runs, the version is recorded after its operations, and the whole run holds the table's
 * `GET_LOCK`. A run interrupted half-way is finished by the next one. (MySQL 8 has no
 * `ADD COLUMN IF NOT EXISTS`, so the check is ours.)
 */
function mysqlDialect(connection: MysqlConnection, job: string, exact: string): MigrationDialect {
  const index = (tableSuffix: string, indexSuffix: string) =>
    inCatalog(connection, "STATISTICS", {
      TABLE_NAME: `${job}${tableSuffix}`,
      INDEX_NAME: `${job}${indexSuffix}`,
    });
  const isApplied = async (op: SchemaOperation): Promise<boolean> => {
    switch (op.kind) {
      case "createTable":
        return inCatalog(connection, "TABLES", { TABLE_NAME: `${job}${op.table.suffix}` });
      case "addColumn":
        return inCatalog(connection, "COLUMNS", {
          TABLE_NAME: `${job}${op.tableSuffix}`,
          COLUMN_NAME: op.column.name,
        });
      case "createIndex":
        return index(op.tableSuffix, op.index.suffix);
      case "dropIndex":
        return !(await index(op.tableSuffix, op.indexSuffix));
      case "renameIndex":
        return !(await index(op.tableSuffix, op.from)) || (await index(op.tableSuffix, op.to));
      case "setDefault":
        // Setting a default is idempotent and changes only metadata.
        return false;
    }
  };
  return {
    withLock: (work) => withNamedLock(connection, job, async () => work()),
    render: (op) => renderMysql(job, op, exact),
    // DDL goes through the text protocol: no parameters, and no prepared statement to keep.
    execute: async (statement) => {
      await connection.query(statement);
    },
    isApplied,
    appliedVersions: async () => {
      const rows = await selectRows<{ version: number | string }>(
        connection,
        `SELECT version FROM ${job}_migrations`,
        [],
      );
      return rows.map((row) => toNumber(row.version));
    },
    record: async (migration: SchemaMigration) => {
      await write(
        connection,
        `INSERT INTO ${job}_migrations (version, description, applied_at) ` +
          "VALUES (?, ?, UTC_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE version = version",
        [migration.version, migration.description],
      );
    },
  };
}

/**
 * Brings the queue whose job table is `job` to the newest schema version. Concurrent
 * callers wait for the table's named lock and then find nothing to do.
 */
export async function migrateMysql(connection: MysqlConnection, job: string): Promise<void> {
  const collations = await selectRows<{ name: string }>(connection, selectExactCollations, []);
  const exact = pickExactCollation(collations.map((row) => row.name));
  await runMigrations(mysqlDialect(connection, job, exact));
}
