import { createMysqlAdapter } from "@docket/adapter-mysql";
import { uniqueTableName } from "@docket/core/testing";
import type { Pool } from "mysql2/promise";
import { describe, it } from "vitest";
import { describeCli } from "./cli-suite.ts";

const url = process.env.DOCKET_MYSQL_URL;

if (url) {
  describe("docket cli: mysql", () => {
    const table = uniqueTableName();
    describeCli(() => ({
      label: "mysql",
      url,
      table,
      open: async () => createMysqlAdapter({ uri: url, tableName: table, poolSize: 2 }),
      cleanup: async (adapter) => {
        await (adapter.db as Pool).query(`DROP TABLE IF EXISTS ${table}, ${table}_migrations`);
      },
    }));
  });
} else {
  describe.skip("docket cli: mysql (DOCKET_MYSQL_URL not set)", () => {
    it("runs the CLI suite", () => {});
  });
}
