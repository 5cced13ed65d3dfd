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
  statements: (table: string) => string[];
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
    statements: (t) => [
      // - name/data/locked_by/cron_expression are utf8mb4 with a binary collation: names
      //   are compared exactly ('a' <> 'A', 'é' <> 'e'), and data round-trips byte for byte
      //   (LONGTEXT, not MySQL's JSON type, which normalises key order and whitespace).
      // - handler_timeout is BIGINT although the shared layout says int: a per-job timeout
      //   may exceed 2^31 ms (~24.8 days), which INT would reject (strict) or clamp (not).
      // - Differs from Postgres: no partial indexes in MySQL. The claim index leads with
      //   is_complete so that finished history is one separate range; the pending-cron
      //   uniqueness uses a STORED generated column that is `name` for pending cron rows
      //   and NULL otherwise (UNIQUE allows many NULLs) — MySQL 8 and MariaDB 10.6 both
      //   accept `GENERATED ALWAYS AS (...) STORED`.
      `CREATE TABLE IF NOT EXISTS ${t} (` +
        "id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, " +
        "name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, " +
        "data LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, " +
        "priority INT NOT NULL DEFAULT 0, " +
        "scheduled_at DATETIME(3) NOT NULL, " +
        "handler_timeout BIGINT NULL, " +
        "retry_count INT NOT NULL DEFAULT 0, " +
        "is_complete TINYINT(1) NOT NULL DEFAULT 0, " +
        "created_at DATETIME(3) NOT NULL, " +
        "updated_at DATETIME(3) NOT NULL, " +
        "locked_by VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL, " +
        "locked_until DATETIME(3) NULL, " +
        "last_error MEDIUMTEXT CHARACTER SET utf8mb4 NULL, " +
        "completed_at DATETIME(3) NULL, " +
        "failed_at DATETIME(3) NULL, " +
        "cron_expression VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL, " +
        "cron_pending_name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin " +
        "GENERATED ALWAYS AS (IF(cron_expression IS NOT NULL AND is_complete = 0, name, NULL)) STORED, " +
        "PRIMARY KEY (id), " +
        `KEY ${t}_claim (is_complete, priority, scheduled_at, id), ` +
        `UNIQUE KEY ${t}_cron_pending (cron_pending_name), ` +
        `KEY ${t}_completed (is_complete, completed_at)` +
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    ],
  },
];
