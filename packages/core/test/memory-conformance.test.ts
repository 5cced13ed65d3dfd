import type { StorageAdapter } from "@docket/core";
import {
  type AdapterHarness,
  createMemoryAdapter,
  describeStorageAdapter,
  type MemoryDb,
} from "@docket/core/testing";

/**
 * The conformance harness on the in-memory reference adapter: each `create()` is a new
 * store (its own queue), `reopen` a second adapter over the same store, and the marker
 * "side table" is the store's marker list, which takes part in transactions.
 */
function createMemoryHarness(): AdapterHarness {
  const byTable = new Map<string, StorageAdapter>();
  const opened: StorageAdapter[] = [];
  const track = (adapter: StorageAdapter) => {
    opened.push(adapter);
    return adapter;
  };
  return {
    label: "memory",

    async create(options) {
      const existing =
        options?.tableName === undefined ? undefined : byTable.get(options.tableName);
      const adapter = track(
        existing === undefined
          ? createMemoryAdapter()
          : createMemoryAdapter({ db: existing.db as MemoryDb }),
      );
      if (options?.tableName !== undefined && existing === undefined) {
        byTable.set(options.tableName, adapter);
      }
      await adapter.migrate();
      return adapter;
    },

    async reopen(adapter) {
      return track(createMemoryAdapter({ db: adapter.db as MemoryDb }));
    },

    async inNativeTransaction(adapter, work, { rollback }) {
      const tx = await (adapter.db as MemoryDb).begin();
      try {
        await work(adapter.withTransaction(tx));
      } catch (error) {
        await tx.rollback();
        throw error;
      }
      await (rollback ? tx.rollback() : tx.commit());
    },

    async writeMarker(_adapter, db, marker) {
      await (db as MemoryDb).writeMarker(marker);
    },

    async countMarkers(adapter, marker) {
      return (adapter.db as MemoryDb).countMarkers(marker);
    },

    async teardown() {
      await Promise.all(opened.splice(0).map((adapter) => adapter.close()));
      byTable.clear();
    },
  };
}

describeStorageAdapter(createMemoryHarness());
