import { describeStorageAdapter } from "@docket/core/testing";
import { mysqlDatabase } from "./mysql-database.ts";
import { createMysqlHarness } from "./mysql-harness.ts";

mysqlDatabase.describe("mysql", () => describeStorageAdapter(createMysqlHarness()));
