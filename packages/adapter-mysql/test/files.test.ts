import { describeFileStore, localDirectoryStorageFactory } from "@docket/files/testing";
import { s3StorageFactory } from "@docket/files/testing/s3";
import { describe, it } from "vitest";
import { mysqlAvailable } from "./mysql-database.ts";
import { createMysqlHarness } from "./mysql-harness.ts";

// Without DOCKET_MYSQL_URL or Docker there is no database: skip loudly instead of failing.
if (mysqlAvailable()) {
  describeFileStore(createMysqlHarness(), {
    storages: [localDirectoryStorageFactory, s3StorageFactory],
  });
} else {
  describe.skip("mysql file store (DOCKET_MYSQL_URL not set, no Docker)", () => {
    it("runs the shared file store suite", () => {});
  });
}
