import { describeStorageAdapter } from "@docket/core/testing";
import { createSqliteHarness } from "./sqlite-harness.ts";

describeStorageAdapter(createSqliteHarness());
