import type { StorageAdapter } from "@docket/core";

/**
 * What an adapter package gives the session conformance suite (`describeSessionStore`).
 * Dialect-specific pieces only; the suite itself is database-agnostic.
 */
export interface SessionStoreHarness {
  /** Shown in test names: `sqlite`, `postgres`, `mysql`. */
  readonly label: string;
  /** A new, migrated adapter on its own tables (unique prefix per call). */
  create(): Promise<StorageAdapter>;
  /** A second, independent adapter (own connections) on the same tables as `adapter`. */
  reopen(adapter: StorageAdapter): Promise<StorageAdapter>;
  /** Rows in `adapter`'s session and token tables, read without the seam. */
  countRows(adapter: StorageAdapter): Promise<{ sessions: number; tokens: number }>;
  /** Drops everything `create` made and closes what the harness opened. */
  teardown(): Promise<void>;
}
