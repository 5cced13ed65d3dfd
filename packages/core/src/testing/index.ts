export type { AdapterHarness } from "./harness.ts";
export { describeStorageAdapter } from "./conformance.ts";
export { delay, expectDocketError, memoryLogger, waitFor, withWorker } from "./helpers.ts";
