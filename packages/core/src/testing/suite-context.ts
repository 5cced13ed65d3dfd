import type { StorageAdapter } from "../storage-adapter.ts";
import type { AdapterHarness } from "./harness.ts";

/** What every suite section gets: the harness and a shortcut to a fresh queue. */
export interface SuiteContext {
  harness: AdapterHarness;
  /** A fresh, migrated, empty queue of its own. */
  queue(): Promise<StorageAdapter>;
}
