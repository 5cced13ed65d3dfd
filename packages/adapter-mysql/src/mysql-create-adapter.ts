import type { StorageAdapter } from "@docket/core";
import { createAdapterFromOptions } from "./mysql-adapter.ts";
import { type MysqlAdapterOptions, resolveMysqlOptions } from "./mysql-options.ts";

/**
 * A Docket storage adapter on MySQL 8.0+ or MariaDB 10.6+ (mysql2's promise API).
 *
 * `{ uri }` creates a pool of `poolSize` connections (default 10) that `close()` ends;
 * `{ pool }` uses the application's pool and never ends it. `tableName` defaults to
 * `docket_job`. Call `migrate()` once at start-up (safe from many processes at once).
 * `db`, the handle handlers receive, is the promise pool; inside `withTransaction(conn)`
 * or a transactional handler it is the connection holding the transaction.
 */
export function createMysqlAdapter(options: MysqlAdapterOptions): StorageAdapter {
  return createAdapterFromOptions(resolveMysqlOptions(options));
}
