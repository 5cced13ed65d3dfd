import { invalidArgument, invalidOption, validateTableName } from "@docket/core/adapter";
import type { Connection, Pool, PoolConnection } from "mysql2/promise";

/**
 * Options of `createMysqlAdapter`. Give either `uri` (the adapter creates, owns and ends
 * its pool) or `pool` (a mysql2 promise pool the application owns; `close()` never ends
 * it). A callback-style mysql2 pool is accepted too and used through its `.promise()`.
 */
export type MysqlAdapterOptions = MysqlUriOptions | MysqlPoolOptions;

interface CommonOptions {
  /** The job table; default `docket_job`. Migrations are tracked in `<tableName>_migrations`. */
  tableName?: string;
}

export interface MysqlUriOptions extends CommonOptions {
  /** `mysql://user:password@host:port/database`. */
  uri: string;
  /** Connections in the adapter's own pool; default 10. Only with `uri`. */
  poolSize?: number;
  pool?: never;
}

export interface MysqlPoolOptions extends CommonOptions {
  /** A `mysql2/promise` pool (or a callback pool, used through `.promise()`). */
  pool: Pool;
  uri?: never;
  poolSize?: never;
}

/** The options after validation, frozen. */
export type ResolvedMysqlOptions = Readonly<
  | { kind: "uri"; uri: string; poolSize: number; tableName: string }
  | { kind: "pool"; pool: Pool; tableName: string }
>;

const KNOWN_KEYS = new Set(["uri", "pool", "poolSize", "tableName"]);
export const DEFAULT_POOL_SIZE = 10;

export function resolveMysqlOptions(options: unknown): ResolvedMysqlOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw invalidOption("options", "an object with uri or pool", options);
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KNOWN_KEYS.has(key)) {
      throw invalidOption(
        key,
        "one of uri, pool, poolSize, tableName (unknown option)",
        record[key],
      );
    }
  }
  const tableName = validateTableName(record.tableName);
  const { uri, pool, poolSize } = record;
  if (uri !== undefined && pool !== undefined) {
    throw invalidOption("pool", "absent when uri is given (pass one of uri or pool)", pool);
  }
  if (pool !== undefined) {
    if (poolSize !== undefined) {
      throw invalidOption("poolSize", "absent when pool is given (size your own pool)", poolSize);
    }
    return Object.freeze({ kind: "pool", pool: toPromisePool(pool), tableName });
  }
  if (typeof uri !== "string" || !/^(mysql|mariadb):\/\/./i.test(uri)) {
    throw invalidOption("uri", "a mysql:// connection string", uri);
  }
  if (
    poolSize !== undefined &&
    (typeof poolSize !== "number" || !Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000)
  ) {
    throw invalidOption("poolSize", "an integer between 1 and 1000", poolSize);
  }
  return Object.freeze({
    kind: "uri",
    uri: uri.replace(/^mariadb:/i, "mysql:"),
    poolSize: poolSize ?? DEFAULT_POOL_SIZE,
    tableName,
  });
}

/** Accepts a `mysql2/promise` pool, or a callback pool (converted with `.promise()`). */
function toPromisePool(value: unknown): Pool {
  if (typeof value !== "object" || value === null) {
    throw invalidOption("pool", "a mysql2 pool", value);
  }
  const candidate = value as {
    promise?: unknown;
    getConnection?: unknown;
    execute?: unknown;
    query?: unknown;
  };
  // A callback pool has `promise()`; a promise pool does not (it wraps one in `.pool`).
  const pool =
    typeof candidate.promise === "function"
      ? ((candidate.promise as () => unknown).call(value) as typeof candidate)
      : candidate;
  if (
    typeof pool.getConnection !== "function" ||
    typeof pool.execute !== "function" ||
    typeof pool.query !== "function"
  ) {
    throw invalidOption("pool", "a mysql2 pool (with getConnection, execute and query)", value);
  }
  return pool as unknown as Pool;
}

/** The application's transaction handle: a mysql2 promise connection (a callback one is wrapped). */
export function toPromiseConnection(value: unknown): Connection | PoolConnection {
  if (typeof value === "object" && value !== null) {
    const candidate = value as { promise?: unknown; execute?: unknown; query?: unknown };
    const connection =
      typeof candidate.promise === "function"
        ? ((candidate.promise as () => typeof candidate).call(value) ?? candidate)
        : candidate;
    if (typeof connection.execute === "function" && typeof connection.query === "function") {
      return connection as unknown as Connection | PoolConnection;
    }
  }
  throw invalidArgument("nativeTransaction", "a mysql2 connection inside a transaction", value);
}

/** `host:port/database` for the queue key, without credentials. */
export function describePool(options: ResolvedMysqlOptions): string {
  if (options.kind === "uri") {
    try {
      const url = new URL(options.uri);
      return `${url.hostname}:${url.port || "3306"}${url.pathname}`;
    } catch {
      return "uri";
    }
  }
  const config = (
    options.pool as { pool?: { config?: { connectionConfig?: Record<string, unknown> } } }
  ).pool?.config?.connectionConfig;
  if (config !== undefined && typeof config.host === "string") {
    return `${config.host}:${String(config.port ?? 3306)}/${String(config.database ?? "")}`;
  }
  return `pool-${poolIds.get(options.pool) ?? assignPoolId(options.pool)}`;
}

const poolIds = new WeakMap<object, number>();
let nextPoolId = 1;
function assignPoolId(pool: object): number {
  const id = nextPoolId++;
  poolIds.set(pool, id);
  return id;
}
