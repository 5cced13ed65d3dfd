import type { StorageAdapter } from "@docket/core";
import type pg from "pg";
import { afterAll } from "vitest";
import { postgresDatabase } from "./postgres-database.ts";
import { createPostgresHarness, tableOf } from "./postgres-harness.ts";

/** `describe`, or `describe.skip` (with a loud notice) when no Postgres is available. */
export const describePostgres = postgresDatabase.describe;

/** A harness for one test file, torn down after it, with direct SQL on its side pool. */
export function setupPostgres() {
  const harness = createPostgresHarness();
  afterAll(() => harness.teardown());
  return {
    harness,
    /** Runs SQL directly (arrange and inspect), outside any adapter. */
    sql: <R extends pg.QueryResultRow = Record<string, unknown>>(
      text: string,
      values: unknown[] = [],
    ) => harness.sql(text, values) as Promise<R[]>,
  };
}

/** The quoted table of an adapter, for direct SQL in tests. */
export function quoted(adapter: StorageAdapter): string {
  return `"${tableOf(adapter)}"`;
}

/** Records the prepared-statement name of every query the adapter's pool runs from now on. */
export function statementNames(adapter: StorageAdapter): string[] {
  const names: string[] = [];
  const pool = adapter.db as { query: (config: unknown, ...rest: unknown[]) => unknown };
  const query = pool.query.bind(pool);
  pool.query = (config: unknown, ...rest: unknown[]) => {
    const name = (config as { name?: unknown } | null)?.name;
    if (typeof name === "string") names.push(name);
    return query(config, ...rest);
  };
  return names;
}

/** Resolves when `predicate` holds, polling every 20 ms; rejects after `timeoutMs`. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export { claimRequest, newJob, outcome } from "@docket/core/testing";
