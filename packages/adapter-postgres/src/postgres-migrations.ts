import { migration5 } from "./postgres-actions.ts";
import { createFileTable } from "./postgres-files-sql.ts";
import { createSessionTables } from "./postgres-sessions-sql.ts";
import { createJobTable, type PostgresTableNames } from "./postgres-sql.ts";

/**
 * One numbered migration. The numbers and what they create are the same in every
 * adapter, so a queue's schema version means the same thing on every database.
 */
export interface PostgresMigration {
  readonly version: number;
  readonly description: string;
  /** Statements run in order inside the migration transaction. */
  readonly statements: (names: PostgresTableNames) => readonly string[];
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  { version: 1, description: "create job table", statements: createJobTable },
  { version: 3, description: "create file table (docs/files.md)", statements: createFileTable },
  {
    version: 4,
    description: "create session store tables",
    statements: (names) => createSessionTables(names.sessions),
  },
  {
    version: 5,
    description: "operator actions: cancelled state, indexes for counts and activity",
    statements: migration5,
  },
  {
    version: 6,
    description: "dashboard: job lists by name, newest first",
    // `WHERE name = $2 [AND state] ORDER BY id DESC LIMIT $1` (the dashboard's list, paged
    // by id) walks this index backwards instead of the primary key past every other name.
    // name is never updated, so completions and claims stay HOT updates.
    statements: (n) => [`CREATE INDEX ${n.nameIdIndex} ON ${n.table} (name, id)`],
  },
];
