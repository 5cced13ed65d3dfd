export { createMysqlAdapter } from "./mysql-create-adapter.ts";
export type { MysqlAdapterOptions, MysqlPoolOptions, MysqlUriOptions } from "./mysql-options.ts";
