import type { StorageAdapter } from "@docket/core";
import type { AdapterHarness } from "@docket/core/testing";
import type { ObjectStorage } from "../object-storage.ts";

export interface FileSuiteContext {
  readonly harness: AdapterHarness;
  /** A fresh migrated queue (its own tables). */
  queue(): Promise<StorageAdapter>;
  /** The storage of this run (set in `beforeAll`). */
  storage(): ObjectStorage;
}
