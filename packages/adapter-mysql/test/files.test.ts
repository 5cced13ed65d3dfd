import { describeFileStore, localDirectoryStorageFactory } from "@docket/files/testing";
import { s3StorageFactory } from "@docket/files/testing/s3";
import { mysqlDatabase } from "./mysql-database.ts";
import { createMysqlHarness } from "./mysql-harness.ts";

mysqlDatabase.describe("mysql", () =>
  describeFileStore(createMysqlHarness(), {
    storages: [localDirectoryStorageFactory, s3StorageFactory],
  }),
);
