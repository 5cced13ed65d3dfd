import { describeFileStore, localDirectoryStorageFactory } from "@docket/files/testing";
import { s3StorageFactory } from "@docket/files/testing/s3";
import { postgresDatabase } from "./postgres-database.ts";
import { createPostgresHarness } from "./postgres-harness.ts";

postgresDatabase.describe("postgres", () =>
  describeFileStore(createPostgresHarness(), {
    storages: [localDirectoryStorageFactory, s3StorageFactory],
  }),
);
