export { createMysqlAdapter } from "./create-mysql-adapter.ts";
export type { MysqlAdapterOptions, MysqlPoolOptions, MysqlUriOptions } from "./mysql-options.ts";
