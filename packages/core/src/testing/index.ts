export { describeStorageAdapter } from "./conformance.ts";
export type { AdapterHarness } from "./harness.ts";
export { delay, expectDocketError, memoryLogger, waitFor, withWorker } from "./helpers.ts";
export type { MemoryAdapterOptions } from "./memory-adapter.ts";
export { createMemoryAdapter, MemoryDb, MemoryTransaction } from "./memory-adapter.ts";
export {
  claimRequest,
  cronDefinition,
  newJob,
  outcome,
  pendingCronRows,
  tableOf,
  uniqueTableName,
} from "./seam-fixtures.ts";
export { type ServerDatabase, serverDatabase } from "./server-database.ts";
export { createServerHarness, type Rows, type ServerDriver } from "./server-harness.ts";
