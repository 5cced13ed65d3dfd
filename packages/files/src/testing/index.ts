import type { StorageAdapter } from "@docket/core";
import type { AdapterHarness } from "@docket/core/testing";
import { afterAll, beforeAll, describe } from "vitest";
import type { ObjectStorage } from "../object-storage.ts";
import { localDirectoryStorageFactory, type StorageFactory } from "./storage-factory.ts";
import type { FileSuiteContext } from "./suite-context.ts";
import { fileConcurrencySuite } from "./suite-file-concurrency.ts";
import { fileCreateSuite } from "./suite-file-create.ts";
import { fileRecordsSuite } from "./suite-file-records.ts";

export {
  freshBucket,
  localDirectoryStorageFactory,
  type StorageFactory,
} from "./storage-factory.ts";
export { describeObjectStorage } from "./suite-object-storage.ts";
export { type TestImages, testImages } from "./test-images.ts";

export interface FileStoreSuiteOptions {
  /** Object storages to run the suite on; default: a local directory. */
  storages?: readonly StorageFactory[];
}

/**
 * The file store's behavioural contract (docs/files.md) against one adapter: rows through
 * the seam, `fileCreateOrUpdate`, and concurrent writers. Each adapter package runs it
 * unchanged from `test/files.test.ts` with its conformance harness.
 */
export function describeFileStore(
  harness: AdapterHarness,
  options: FileStoreSuiteOptions = {},
): void {
  const storages = options.storages ?? [localDirectoryStorageFactory];
  describe(`file store: ${harness.label}`, () => {
    afterAll(() => harness.teardown());
    for (const factory of storages) {
      describe(`on ${factory.label}`, () => {
        let storage: ObjectStorage | null = null;
        let teardown: (() => Promise<void>) | null = null;
        beforeAll(async () => {
          ({ storage, teardown } = await factory.create());
        });
        afterAll(async () => {
          await teardown?.();
        });
        const context: FileSuiteContext = {
          harness,
          queue: (): Promise<StorageAdapter> => harness.create(),
          storage: () => {
            if (storage === null) throw new Error("storage not created yet");
            return storage;
          },
        };
        describe("file rows", () => fileRecordsSuite(context));
        describe("fileCreateOrUpdate", () => fileCreateSuite(context));
        describe("concurrent writers", () => fileConcurrencySuite(context));
      });
    }
  });
}
