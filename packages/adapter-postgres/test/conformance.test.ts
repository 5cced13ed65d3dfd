import { describeStorageAdapter } from "@docket/core/testing";
import { postgresDatabase } from "./postgres-database.ts";
import { createPostgresHarness } from "./postgres-harness.ts";

postgresDatabase.describe("postgres", () => describeStorageAdapter(createPostgresHarness()));
