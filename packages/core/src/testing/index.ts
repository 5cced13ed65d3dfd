export { describeStorageAdapter } from "./conformance.ts";
export type { AdapterHarness } from "./harness.ts";
export { delay, expectDocketError, memoryLogger, waitFor, withWorker } from "./helpers.ts";
export type { MemoryAdapterOptions } from "./memory-adapter.ts";
export { createMemoryAdapter, MemoryDb, MemoryTransaction } from "./memory-adapter.ts";
export { claimRequest, newJob, outcome, tableOf, uniqueTableName } from "./seam-fixtures.ts";
export type { SchemaSnapshot, TableSnapshot } from "./suite-schema.ts";
export { normalizeDefault } from "./suite-schema.ts";
