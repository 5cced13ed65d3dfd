import { migration5 } from "./mysql-actions.ts";
import { type MysqlConnection, selectRows, write } from "./mysql-connection.ts";
import { createFileTable } from "./mysql-files-sql.ts";
import { toNumber } from "./mysql-rows.ts";
import { createSessionTables } from "./mysql-sessions-sql.ts";

/**
 * Schema migrations, numbered identically in every Docket adapter. MySQL DDL commits
 * implicitly, so a migration cannot be rolled back as a unit: each statement is
 * idempotent on its own (`CREATE TABLE IF NOT EXISTS`, ...), the version is recorded
 * after its statements, and the whole run happens under `GET_LOCK` (see
 * `mysql-adapter.ts`), so a run interrupted half-way is simply finished by the next one.
 */
export interface MysqlMigration {
  version: number;
  description: string;
  /** `collation`: the exact, NO PAD binary collation of this server (see `pickExactCollation`). */
  statements: (table: string, collation: string) => string[];
}

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

/** `<table>_migrations`: which versions ran, and when (UTC). */
export function createMigrationsTable(table: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${table}_migrations (` +
    "version INT NOT NULL PRIMARY KEY, " +
    "description VARCHAR(255) NOT NULL, " +
    "applied_at DATETIME(3) NOT NULL" +
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
  );
}

export function selectAppliedVersions(table: string): string {
  return `SELECT version FROM ${table}_migrations`;
}

/** Params: version, description. Idempotent, like the migration statements. */
export function recordMigration(table: string): string {
  return (
    `INSERT INTO ${table}_migrations (version, description, applied_at) ` +
    "VALUES (?, ?, UTC_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE version = version"
  );
}

export const MYSQL_MIGRATIONS: readonly MysqlMigration[] = [
  {
    version: 1,
    description: "create job table",
    statements: (t, exact) => [
      // - name/locked_by/cron_expression use an exact binary NO PAD collation: names are
      //   compared exactly ('a' <> 'A', 'é' <> 'e', 'a' <> 'a '). data is utf8mb4_bin
      //   LONGTEXT and round-trips byte for byte (not MySQL's JSON type, which normalises
      //   key order and whitespace; MariaDB's JSON is LONGTEXT anyway).
      // - handler_timeout is BIGINT although the shared layout says int: a per-job timeout
      //   may exceed 2^31 ms (~24.8 days), which INT would reject (strict) or clamp (not).
      // - Differs from Postgres: no partial indexes in MySQL. The claim index leads with
      //   is_complete so that finished history is one separate range; the pending-cron
      //   uniqueness uses a STORED generated column that is `name` for pending cron rows
      //   and NULL otherwise (UNIQUE allows many NULLs) — MySQL 8 and MariaDB 10.6 both
      //   accept `GENERATED ALWAYS AS (...) STORED`.
      `CREATE TABLE IF NOT EXISTS ${t} (` +
        "id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, " +
        `name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE ${exact} NOT NULL, ` +
        "data LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, " +
        "priority INT NOT NULL DEFAULT 0, " +
        "scheduled_at DATETIME(3) NOT NULL, " +
        "handler_timeout BIGINT NULL, " +
        "retry_count INT NOT NULL DEFAULT 0, " +
        "is_complete TINYINT(1) NOT NULL DEFAULT 0, " +
        "created_at DATETIME(3) NOT NULL, " +
        "updated_at DATETIME(3) NOT NULL, " +
        `locked_by VARCHAR(255) CHARACTER SET utf8mb4 COLLATE ${exact} NULL, ` +
        "locked_until DATETIME(3) NULL, " +
        "last_error MEDIUMTEXT CHARACTER SET utf8mb4 NULL, " +
        "completed_at DATETIME(3) NULL, " +
        "failed_at DATETIME(3) NULL, " +
        `cron_expression VARCHAR(255) CHARACTER SET utf8mb4 COLLATE ${exact} NULL, ` +
        `cron_pending_name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE ${exact} ` +
        "GENERATED ALWAYS AS (IF(cron_expression IS NOT NULL AND is_complete = 0, name, NULL)) STORED, " +
        "PRIMARY KEY (id), " +
        `KEY ${t}_claim (is_complete, priority, scheduled_at, id), ` +
        `UNIQUE KEY ${t}_cron_pending (cron_pending_name), ` +
        `KEY ${t}_completed (is_complete, completed_at)` +
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    ],
  },
  {
    version: 3,
    description: "create file table (docs/files.md)",
    statements: (t) => createFileTable(t),
  },
  {
    version: 4,
    description: "create session store tables",
    statements: (t) => createSessionTables(t),
  },
  {
    version: 5,
    description: "operator actions: cancelled state, index for counts by name",
    statements: migration5,
  },
  {
    version: 6,
    description: "dashboard: job lists by name, newest first",
    // `WHERE name = ? [AND state] ORDER BY id DESC LIMIT ?` (the dashboard's list, paged by
    // id) reads this index backwards (InnoDB secondary keys end with the primary key).
    statements: (table) => [`ALTER TABLE ${table} ADD KEY ${table}_name_id (name, id)`],
  },
];

/**
 * Applies the missing migrations on `connection`. The caller holds the table's named
 * lock, so concurrent callers run this one after the other and the later ones find
 * nothing to do.
 */
export async function runMigrations(connection: MysqlConnection, table: string): Promise<void> {
  // DDL goes through the text protocol: no parameters, and no prepared statement to keep.
  await connection.query(createMigrationsTable(table));
  const applied = await selectRows<{ version: number | string }>(
    connection,
    selectAppliedVersions(table),
    [],
  );
  const done = new Set(applied.map((row) => toNumber(row.version)));
  const missing = MYSQL_MIGRATIONS.filter((migration) => !done.has(migration.version));
  if (missing.length === 0) return;
  const collations = await selectRows<{ name: string }>(connection, selectExactCollations, []);
  const exact = pickExactCollation(collations.map((row) => row.name));
  for (const migration of missing) {
    for (const statement of migration.statements(table, exact)) {
      await connection.query(statement);
    }
    await write(connection, recordMigration(table), [migration.version, migration.description]);
  }
}
