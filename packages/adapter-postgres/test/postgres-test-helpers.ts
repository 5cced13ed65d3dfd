import type { StorageAdapter } from "@docket/core";
import pg from "pg";
import { afterAll, describe } from "vitest";
import { postgresAvailable, postgresUrl } from "./postgres-database.ts";
import { createPostgresHarness, tableOf } from "./postgres-harness.ts";

/** `describe`, or `describe.skip` (with a loud notice) when no Postgres is available. */
export const describePostgres: typeof describe = postgresAvailable()
  ? describe
  : (describe.skip as typeof describe);

/** A harness for one test file, torn down after it, and a side pool for direct SQL. */
export function setupPostgres() {
  const harness = createPostgresHarness();
  let side: pg.Pool | null = null;
  afterAll(async () => {
    await harness.teardown();
    await side?.end();
  });
  return {
    harness,
    /** Runs SQL directly (arrange and inspect), outside any adapter. */
    async sql<R extends pg.QueryResultRow = Record<string, unknown>>(
      text: string,
      values: unknown[] = [],
    ): Promise<R[]> {
      if (side === null) {
        side = new pg.Pool({ connectionString: await postgresUrl(), max: 3 });
        side.on("error", () => {});
      }
      return (await side.query<R>(text, values)).rows;
    },
  };
}

/** The quoted table of an adapter, for direct SQL in tests. */
export function quoted(adapter: StorageAdapter): string {
  return `"${tableOf(adapter)}"`;
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
