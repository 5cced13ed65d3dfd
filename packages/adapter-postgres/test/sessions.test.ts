import { describeSessionStore, sessionStoreHarness } from "@docket/sessions/testing";
import type pg from "pg";
import { postgresDatabase } from "./postgres-database.ts";
import { createPostgresHarness } from "./postgres-harness.ts";

postgresDatabase.describe("postgres", () =>
  describeSessionStore(
    sessionStoreHarness("postgres", createPostgresHarness, async (adapter, table) => {
      const result = await (adapter.db as pg.Pool).query(`SELECT count(*) AS n FROM "${table}"`);
      return Number(result.rows[0]?.n ?? 0);
    }),
  ),
);
