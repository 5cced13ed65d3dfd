import type { StorageAdapter } from "@docket/core";
import { tableOf } from "@docket/core/testing";
import { describeSessionStore } from "@docket/sessions/testing";
import type Database from "better-sqlite3";
import { createSqliteHarness } from "./sqlite-harness.ts";

const count = (adapter: StorageAdapter, suffix: string) =>
  (
    (adapter.db as Database.Database)
      .prepare(`SELECT count(*) AS n FROM ${tableOf(adapter)}_${suffix}`)
      .get() as { n: number }
  ).n;

// Each suite block gets its own temporary database file, made on first use.
let harness: ReturnType<typeof createSqliteHarness> | null = null;
const current = () => {
  harness ??= createSqliteHarness();
  return harness;
};

describeSessionStore({
  label: "sqlite",
  create: () => current().create(),
  reopen: (adapter) => current().reopen(adapter),
  countRows: async (adapter) => ({
    sessions: count(adapter, "session"),
    tokens: count(adapter, "session_token"),
  }),
  teardown: async () => {
    await harness?.teardown();
    harness = null;
  },
});
