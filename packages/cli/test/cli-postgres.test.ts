import { createPostgresAdapter } from "@docket/adapter-postgres";
import { uniqueTableName } from "@docket/core/testing";
import type { Pool } from "pg";
import { describe, it } from "vitest";
import { describeCli } from "./cli-suite.ts";

const url = process.env.DOCKET_POSTGRES_URL;

if (url) {
  describe("docket cli: postgres", () => {
    const table = uniqueTableName();
    describeCli(() => ({
      label: "postgres",
      url,
      table,
      open: async () => createPostgresAdapter({ connectionString: url, tableName: table }),
      cleanup: async (adapter) => {
        await (adapter.db as Pool).query(`DROP TABLE IF EXISTS "${table}", "${table}_migrations"`);
      },
    }));
  });
} else {
  describe.skip("docket cli: postgres (DOCKET_POSTGRES_URL not set)", () => {
    it("runs the CLI suite", () => {});
  });
}
