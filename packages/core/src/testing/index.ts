export type { AdapterHarness } from "./harness.ts";
