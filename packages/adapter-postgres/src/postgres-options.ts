import { invalidOption, validateTableName } from "@docket/core/adapter";
import type { Pool } from "pg";

/** Options every Postgres adapter accepts, whichever way it connects. */
export interface PostgresAdapterCommonOptions {
  /**
   * The job table; `<tableName>_migrations` tracks its migrations. An identifier matching
   * `/^[A-Za-z_][A-Za-z0-9_]{0,47}$/`. Default `docket_job`.
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

const KNOWN_KEYS = new Set([
  "connectionString",
  "pool",
  "poolSize",
  "tableName",
  "schema",
  "notify",
]);

/** Checks the constructor options once; every problem is a `DocketError` `invalid_option`. */
export function resolvePostgresOptions(options: unknown): ResolvedPostgresOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw invalidOption("options", "an object with connectionString or pool", options);
  }
  const input = options as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) {
      throw invalidOption(key, `one of ${[...KNOWN_KEYS].join(", ")} (unknown option)`, input[key]);
    }
  }

  const hasUrl = input.connectionString !== undefined;
  const hasPool = input.pool !== undefined;
  if (hasUrl === hasPool) {
    throw invalidOption(
      "connectionString",
      "given, or pool given (exactly one of the two)",
      hasUrl ? "both" : undefined,
    );
  }
  if (hasUrl && (typeof input.connectionString !== "string" || input.connectionString === "")) {
    throw invalidOption("connectionString", "a non-empty string", input.connectionString);
  }
  if (hasPool && !isPoolLike(input.pool)) {
    throw invalidOption("pool", "a pg.Pool", input.pool);
  }

  let poolSize = DEFAULT_POOL_SIZE;
  if (input.poolSize !== undefined) {
    if (hasPool) {
      throw invalidOption(
        "poolSize",
        "absent when pool is given (size the pool itself)",
        input.poolSize,
      );
    }
    if (!Number.isSafeInteger(input.poolSize) || (input.poolSize as number) < 1) {
      throw invalidOption("poolSize", "a positive integer", input.poolSize);
    }
    poolSize = input.poolSize as number;
  }

  if (input.notify !== undefined && typeof input.notify !== "boolean") {
    throw invalidOption("notify", "a boolean", input.notify);
  }

  return Object.freeze({
    connectionString: hasUrl ? (input.connectionString as string) : null,
    pool: hasPool ? (input.pool as Pool) : null,
    poolSize,
    tableName: validateTableName(input.tableName),
    // Same identifier rules as the table: it is spliced into SQL as a quoted identifier.
    schema: input.schema === undefined ? null : validateTableName(input.schema, "schema"),
    notify: input.notify ?? true,
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
