import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import { uniqueTableName } from "@docket/core/testing";
import { describe } from "vitest";
import { describeCli } from "./cli-suite.ts";

describe("docket cli: sqlite", () => {
  const dir = mkdtempSync(join(tmpdir(), "docket-cli-"));
  const filename = join(dir, "jobs.db");
  const table = uniqueTableName();
  describeCli(() => ({
    label: "sqlite",
    url: `sqlite:${filename}`,
    table,
    open: async () => createSqliteAdapter({ filename, tableName: table }),
    cleanup: async () => {
      rmSync(dir, { recursive: true, force: true });
    },
  }));
});
