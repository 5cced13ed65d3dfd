export { createPostgresAdapter } from "./postgres-adapter.ts";
export type {
  PostgresAdapterCommonOptions,
  PostgresAdapterOptions,
  PostgresConnectionStringOptions,
  PostgresPoolOptions,
} from "./postgres-options.ts";
