import { describeStorageAdapter } from "@docket/core/testing";
import { describe, it } from "vitest";
import { postgresAvailable } from "./postgres-database.ts";
import { createPostgresHarness } from "./postgres-harness.ts";

// Without DOCKET_POSTGRES_URL or Docker there is no database: skip loudly instead of failing.
if (postgresAvailable()) {
  describeStorageAdapter(createPostgresHarness());
} else {
  describe.skip("postgres conformance (DOCKET_POSTGRES_URL not set, no Docker)", () => {
    it("runs the shared conformance suite", () => {});
  });
}
