import { describeStorageAdapter } from "@docket/core/testing";
import { describe, it } from "vitest";
import { mysqlAvailable } from "./mysql-database.ts";
import { createMysqlHarness } from "./mysql-harness.ts";

// Without DOCKET_MYSQL_URL or Docker there is no database: skip loudly instead of failing.
if (mysqlAvailable()) {
  describeStorageAdapter(createMysqlHarness());
} else {
  describe.skip("mysql conformance (DOCKET_MYSQL_URL not set, no Docker)", () => {
    it("runs the shared conformance suite", () => {});
  });
}
