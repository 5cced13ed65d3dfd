import { describeFileStore, localDirectoryStorageFactory } from "@docket/files/testing";
import { s3StorageFactory } from "@docket/files/testing/s3";
import { describe, it } from "vitest";
import { postgresAvailable } from "./postgres-database.ts";
import { createPostgresHarness } from "./postgres-harness.ts";

// Without DOCKET_POSTGRES_URL or Docker there is no database: skip loudly instead of failing.
if (postgresAvailable()) {
  describeFileStore(createPostgresHarness(), {
    storages: [localDirectoryStorageFactory, s3StorageFactory],
  });
} else {
  describe.skip("postgres file store (DOCKET_POSTGRES_URL not set, no Docker)", () => {
    it("runs the shared file store suite", () => {});
  });
}
