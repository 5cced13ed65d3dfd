import { describeSessionStore, sessionStoreHarness } from "@docket/sessions/testing";
import type { Pool, RowDataPacket } from "mysql2/promise";
import { mysqlDatabase } from "./mysql-database.ts";
import { createMysqlHarness } from "./mysql-harness.ts";

mysqlDatabase.describe("mysql", () =>
  describeSessionStore(
    sessionStoreHarness("mysql", createMysqlHarness, async (adapter, table) => {
      const [rows] = await (adapter.db as Pool).query<RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM ${table}`,
      );
      return Number(rows[0]?.n ?? 0);
    }),
  ),
);
