/**
 * Where a queue lives, as plain JSON a parent hands to its worker processes, and how a
 * process opens its own adapter on it (each process has its own connections, as separate
 * application servers would).
 */
import type { StorageAdapter } from "@docket/core";

export type Dialect = "sqlite" | "postgres" | "mysql";

export type QueueTarget =
  | { dialect: "sqlite"; filename: string; tableName: string }
  | { dialect: "postgres"; connectionString: string; tableName: string }
  | { dialect: "mysql"; uri: string; tableName: string };

/** Connections per worker process: several processes share a database others test on too. */
const POOL_SIZE = 4;

/** Imports only the adapter it needs: worker processes start faster on a busy machine. */
export async function openAdapter(target: QueueTarget): Promise<StorageAdapter> {
  switch (target.dialect) {
    case "sqlite": {
      const { createSqliteAdapter } = await import("@docket/adapter-sqlite");
      return createSqliteAdapter({ filename: target.filename, tableName: target.tableName });
    }
    case "postgres": {
      const { createPostgresAdapter } = await import("@docket/adapter-postgres");
      return createPostgresAdapter({
        connectionString: target.connectionString,
        tableName: target.tableName,
        poolSize: POOL_SIZE,
      });
    }
    case "mysql": {
      const { createMysqlAdapter } = await import("@docket/adapter-mysql");
      return createMysqlAdapter({
        uri: target.uri,
        tableName: target.tableName,
        poolSize: POOL_SIZE,
      });
    }
  }
}
