import { migration5 } from "./sqlite-actions.ts";
import { createFileTable } from "./sqlite-files-sql.ts";
import { createSessionTables } from "./sqlite-sessions-sql.ts";

/**
 * Schema migrations, numbered identically in every adapter. Each is a list of DDL
 * statements run inside the migration transaction (SQLite DDL is transactional, so a
 * failed migration leaves nothing half-applied).
 */
export interface SqliteMigration {
  readonly version: number;
  readonly description: string;
  readonly statements: (table: string) => readonly string[];
}

export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    description: "create job table",
    statements: (table) => [
      // Differs from Postgres: times are INTEGER epoch milliseconds (SQLite has no
      // timestamp type; the clock is the process's), booleans are INTEGER 0/1, and
      // AUTOINCREMENT keeps ids increasing and never reused (64-bit rowids).
      `CREATE TABLE ${table} (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL CHECK (length(name) <= 255),
  data TEXT NOT NULL DEFAULT '{}',
  priority INTEGER NOT NULL DEFAULT 5,
  scheduled_at INTEGER NOT NULL,
  handler_timeout INTEGER NULL,
  retry_count INTEGER NOT NULL DEFAULT 0,
  is_complete INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  locked_by TEXT NULL CHECK (length(locked_by) <= 255),
  locked_until INTEGER NULL,
  last_error TEXT NULL,
  completed_at INTEGER NULL,
  failed_at INTEGER NULL,
  cron_expression TEXT NULL CHECK (length(cron_expression) <= 255)
)`,
      // Claims walk this index in spec order and stop after LIMIT rows; finished history
      // is not in it, so its cost stays flat as history piles up. The partial-index term
      // is spelled `is_complete = 0` exactly as in the queries, so the planner uses it.
      `CREATE INDEX ${table}_claim_idx ON ${table} (priority, scheduled_at, id) WHERE is_complete = 0`,
      // At most one pending row per cron name: registration and rescheduling rely on it.
      `CREATE UNIQUE INDEX ${table}_cron_pending_idx ON ${table} (name)
  WHERE cron_expression IS NOT NULL AND is_complete = 0`,
      `CREATE INDEX ${table}_completed_at_idx ON ${table} (completed_at) WHERE is_complete = 1`,
    ],
  },
  {
    version: 3,
    description: "create file table (docs/files.md)",
    statements: createFileTable,
  },
  { version: 4, description: "create session store tables", statements: createSessionTables },
  {
    version: 5,
    description: "operator actions: cancelled state, index for counts by name",
    statements: migration5,
  },
  {
    version: 6,
    description: "dashboard: job lists by name, newest first",
    // `WHERE name = ? [AND state] ORDER BY id DESC LIMIT n` (the dashboard's list, paged
    // by id) walks this index instead of the whole table when the name is rare.
    statements: (table) => [`CREATE INDEX ${table}_name_id_idx ON ${table} (name, id)`],
  },
];
