import type { StorageAdapter } from "@docket/core";
import { type AdapterHarness, tableOf } from "@docket/core/testing";
import type { SessionStoreHarness } from "./harness.ts";

/**
 * A `SessionStoreHarness` over an adapter package's conformance harness. Each suite block
 * gets a harness of its own, made on first use and dropped at its teardown, so blocks never
 * share tables. `countTable(adapter, table)` counts one table's rows without the seam.
 */
export function sessionStoreHarness(
  label: string,
  createHarness: () => AdapterHarness,
  countTable: (adapter: StorageAdapter, table: string) => Promise<number>,
): SessionStoreHarness {
  let harness: AdapterHarness | null = null;
  const current = () => {
    harness ??= createHarness();
    return harness;
  };
  return {
    label,
    create: () => current().create(),
    reopen: (adapter) => current().reopen(adapter),
    countRows: async (adapter) => ({
      sessions: await countTable(adapter, `${tableOf(adapter)}_session`),
      tokens: await countTable(adapter, `${tableOf(adapter)}_session_token`),
    }),
    teardown: async () => {
      await harness?.teardown();
      harness = null;
    },
  };
}
