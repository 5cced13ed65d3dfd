import { describeSessionStore, sessionStoreHarness } from "@docket/sessions/testing";
import type Database from "better-sqlite3";
import { createSqliteHarness } from "./sqlite-harness.ts";

describeSessionStore(
  sessionStoreHarness("sqlite", createSqliteHarness, async (adapter, table) => {
    const row = (adapter.db as Database.Database).prepare(`SELECT count(*) AS n FROM ${table}`);
    return (row.get() as { n: number }).n;
  }),
);
