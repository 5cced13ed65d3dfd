import {
  integerOption,
  invalidArgument,
  invalidOption,
  oneOfOptions,
  optionsRecord,
  rejectOptionWith,
  validateTableName,
} from "@docket/core/adapter";
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
  /**
   * Connections in the adapter's own pool; default 10. Only with `uri`. Claims run on a
   * second pool of the same size whose connections accept multi-statement commands
   * (usually one connection: one per claim running at the same time).
   */
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

const KNOWN_KEYS = ["uri", "pool", "poolSize", "tableName"];
export const DEFAULT_POOL_SIZE = 10;

export function resolveMysqlOptions(options: unknown): ResolvedMysqlOptions {
  const record = optionsRecord(options, KNOWN_KEYS, "uri or pool");
  const tableName = validateTableName(record.tableName);
  const source = oneOfOptions(record, "uri", "pool");
  // The caller sizes its own pool.
  rejectOptionWith(record, "poolSize", "pool");
  if (source === "pool") {
    return Object.freeze({ kind: "pool", pool: toPromisePool(record.pool), tableName });
  }
  const uri = record.uri;
  if (typeof uri !== "string" || !/^(mysql|mariadb):\/\/./i.test(uri)) {
    throw invalidOption("uri", "a mysql:// connection string", uri);
  }
  return Object.freeze({
    kind: "uri",
    uri: uri.replace(/^mariadb:/i, "mysql:"),
    poolSize: integerOption(record, "poolSize", { min: 1, max: 1000, fallback: DEFAULT_POOL_SIZE }),
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
