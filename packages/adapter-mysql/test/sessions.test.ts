import type { StorageAdapter } from "@docket/core";
import { tableOf } from "@docket/core/testing";
import { describeSessionStore } from "@docket/sessions/testing";
import type { Pool, RowDataPacket } from "mysql2/promise";
import { describe, it } from "vitest";
import { mysqlAvailable } from "./mysql-database.ts";
import { createMysqlHarness } from "./mysql-harness.ts";

const count = async (adapter: StorageAdapter, suffix: string) => {
  const [rows] = await (adapter.db as Pool).query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM ${tableOf(adapter)}_${suffix}`,
  );
  return Number(rows[0]?.n ?? 0);
};

let harness: ReturnType<typeof createMysqlHarness> | null = null;
const current = () => {
  harness ??= createMysqlHarness();
  return harness;
};

// Without DOCKET_MYSQL_URL or Docker there is no database: skip loudly instead of failing.
if (mysqlAvailable()) {
  describeSessionStore({
    label: "mysql",
    create: () => current().create(),
    reopen: (adapter) => current().reopen(adapter),
    countRows: async (adapter) => ({
      sessions: await count(adapter, "session"),
      tokens: await count(adapter, "session_token"),
    }),
    teardown: async () => {
      await harness?.teardown();
      harness = null;
    },
  });
} else {
  describe.skip("mysql session store (DOCKET_MYSQL_URL not set, no Docker)", () => {
    it("runs the session conformance suite", () => {});
  });
}
