import { describeFileStore, localDirectoryStorageFactory } from "@docket/files/testing";
import { s3StorageFactory } from "@docket/files/testing/s3";
import { createSqliteHarness } from "./sqlite-harness.ts";

describeFileStore(createSqliteHarness(), {
  storages: [localDirectoryStorageFactory, s3StorageFactory],
});
