export { createSqliteAdapter } from "./sqlite-adapter.ts";
export type { SqliteAdapterOptions } from "./sqlite-options.ts";
