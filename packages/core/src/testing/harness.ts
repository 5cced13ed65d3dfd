import type { StorageAdapter } from "../storage-adapter.ts";
import type { SchemaSnapshot } from "./suite-schema.ts";

/**
 * What an adapter package gives the conformance suite. Everything dialect-specific the
 * suite needs — fresh isolated queues, a second connection, the application's own
 * native transactions — goes through here, so the suite itself stays database-agnostic.
 */
export interface AdapterHarness {
  /** Shown in test names: `sqlite`, `postgres`, `mysql`. */
  readonly label: string;
  /**
   * A new, migrated, empty queue in its own table (unique name per call), so tests can
   * run in parallel without seeing each other's jobs. Pass `tableName` to reuse one.
   */
  create(options?: { tableName?: string }): Promise<StorageAdapter>;
  /**
   * A second, independent adapter instance (its own connections, as another process
   * would have) on the same queue as `adapter`.
   */
  reopen(adapter: StorageAdapter): Promise<StorageAdapter>;
  /**
   * Opens a transaction the application owns, in the driver's native style (a `pg`
   * client inside `BEGIN`, a `mysql2` connection with `beginTransaction`, better-sqlite3's
   * synchronous `db.transaction`), calls `work(adapter.withTransaction(native))`, then
   * commits — or rolls back when `rollback` is true. `work` must start its writes
   * synchronously (SQLite transactions are synchronous).
   */
  inNativeTransaction(
    adapter: StorageAdapter,
    work: (bound: StorageAdapter) => Promise<unknown>,
    options: { rollback: boolean },
  ): Promise<void>;
  /**
   * Writes `marker` into a side table through `db`, the handle a handler receives, so
   * the suite can check that a transactional handler's writes commit or roll back with
   * the job. Creates the side table if needed.
   */
  writeMarker(adapter: StorageAdapter, db: unknown, marker: string): Promise<void>;
  /** How many times `marker` was written and committed. */
  countMarkers(adapter: StorageAdapter, marker: string): Promise<number>;
  /**
   * Optional: reads `adapter`'s schema from the database catalog, for the check that every
   * adapter matches core's schema description (`suite-schema.ts`).
   */
  inspectSchema?(adapter: StorageAdapter): Promise<SchemaSnapshot>;
  /** Drops what `create` made and closes every adapter the harness opened. */
  teardown(): Promise<void>;
}
