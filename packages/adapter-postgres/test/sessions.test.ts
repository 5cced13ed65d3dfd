import type { StorageAdapter } from "@docket/core";
import { tableOf } from "@docket/core/testing";
import { describeSessionStore } from "@docket/sessions/testing";
import type pg from "pg";
import { describe, it } from "vitest";
import { postgresAvailable } from "./postgres-database.ts";
import { createPostgresHarness } from "./postgres-harness.ts";

const count = async (adapter: StorageAdapter, suffix: string) => {
  const result = await (adapter.db as pg.Pool).query<{ n: string }>(
    `SELECT count(*) AS n FROM "${tableOf(adapter)}_${suffix}"`,
  );
  return Number(result.rows[0]?.n ?? 0);
};

let harness: ReturnType<typeof createPostgresHarness> | null = null;
const current = () => {
  harness ??= createPostgresHarness();
  return harness;
};

// Without DOCKET_POSTGRES_URL or Docker there is no database: skip loudly instead of failing.
if (postgresAvailable()) {
  describeSessionStore({
    label: "postgres",
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
  describe.skip("postgres session store (DOCKET_POSTGRES_URL not set, no Docker)", () => {
    it("runs the session conformance suite", () => {});
  });
}
