import {
  booleanOption,
  integerOption,
  invalidOption,
  oneOfOptions,
  optionsRecord,
  rejectOptionWith,
  stringOption,
  validateTableName,
} from "@docket/core/adapter";
import type { Pool } from "pg";

/** Options every Postgres adapter accepts, whichever way it connects. */
export interface PostgresAdapterCommonOptions {
  /**
   * The job table; `<tableName>_migrations` tracks its migrations. An identifier matching
   * `/^[A-Za-z_][A-Za-z0-9_]{0,36}$/`. Default `docket_job`.
   */
  tableName?: string;
  /**
   * The schema holding the tables (same identifier rules as `tableName`). Default: none,
   * so the connection's `search_path` decides (usually `public`).
   */
  schema?: string;
  /**
   * Push wake-ups with `LISTEN/NOTIFY`: enqueue sends a `NOTIFY`, `subscribe` listens on
   * a dedicated connection. Set `false` behind a pooler in transaction mode (PgBouncer),
   * where `LISTEN` cannot work; workers then poll. Default `true`.
   */
  notify?: boolean;
}

/** The adapter opens (and on `close()` ends) its own `pg.Pool` for this URL. */
export interface PostgresConnectionStringOptions extends PostgresAdapterCommonOptions {
  /** `postgres://user:password@host:port/database`. */
  connectionString: string;
  /** Connections in the adapter's own pool. Default 10. */
  poolSize?: number;
  pool?: never;
}

/** The adapter uses the application's pool and never ends it. */
export interface PostgresPoolOptions extends PostgresAdapterCommonOptions {
  /** A `pg.Pool` the application owns; `close()` leaves it open. */
  pool: Pool;
  connectionString?: never;
  poolSize?: never;
}

/** Options of `createPostgresAdapter`: `{ connectionString }` or `{ pool }`, plus the common ones. */
export type PostgresAdapterOptions = PostgresConnectionStringOptions | PostgresPoolOptions;

/** Options after validation, defaults filled in, frozen. */
export interface ResolvedPostgresOptions {
  readonly connectionString: string | null;
  readonly pool: Pool | null;
  readonly poolSize: number;
  readonly tableName: string;
  readonly schema: string | null;
  readonly notify: boolean;
}

export const DEFAULT_POOL_SIZE = 10;

const KNOWN_KEYS = ["connectionString", "pool", "poolSize", "tableName", "schema", "notify"];

/** Checks the constructor options once; every problem is a `DocketError` `invalid_option`. */
export function resolvePostgresOptions(options: unknown): ResolvedPostgresOptions {
  const input = optionsRecord(options, KNOWN_KEYS, "connectionString or pool");
  const source = oneOfOptions(input, "connectionString", "pool");
  if (source === "pool" && !isPoolLike(input.pool)) {
    throw invalidOption("pool", "a pg.Pool", input.pool);
  }
  // The caller sizes its own pool.
  rejectOptionWith(input, "poolSize", "pool");
  return Object.freeze({
    connectionString: source === "connectionString" ? stringOption(input, source) : null,
    pool: source === "pool" ? (input.pool as Pool) : null,
    poolSize: integerOption(input, "poolSize", { min: 1, max: 1000, fallback: DEFAULT_POOL_SIZE }),
    tableName: validateTableName(input.tableName),
    // Same identifier rules as the table: it is spliced into SQL as a quoted identifier.
    schema: input.schema === undefined ? null : validateTableName(input.schema, "schema"),
    notify: booleanOption(input, "notify", true),
  });
}

function isPoolLike(value: unknown): value is Pool {
  if (typeof value !== "object" || value === null) return false;
  const pool = value as Record<string, unknown>;
  return (
    typeof pool.query === "function" &&
    typeof pool.connect === "function" &&
    typeof pool.end === "function"
  );
}
