/**
 * Postgres: a fresh table on `DOCKET_POSTGRES_URL`. Worker processes connect with an
 * `application_name` of this queue's own, so the outage — `pg_terminate_backend` of every
 * one of their connections, the `LISTEN` one included, round after round for a while
 * (see `killRounds`) — hits them and nobody else testing on the same server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPostgresAdapter } from "@docket/adapter-postgres";
import { uniqueTableName } from "@docket/core/testing";
import pg from "pg";
import { type Backend, type FaultQueue, killRounds, tablesOf } from "./fault-queue.ts";

const url = process.env.DOCKET_POSTGRES_URL || null;

export const postgresBackend: Backend = {
  dialect: "postgres",
  url,
  async createQueue(): Promise<FaultQueue> {
    if (url === null) throw new Error("DOCKET_POSTGRES_URL is not set");
    const directory = mkdtempSync(join(tmpdir(), "docket-faults-"));
    const tableName = uniqueTableName();
    const applicationName = `docket_faults_${tableName}`;
    const workerUrl = new URL(url);
    workerUrl.searchParams.set("application_name", applicationName);
    const adapter = createPostgresAdapter({ connectionString: url, tableName, poolSize: 4 });
    await adapter.migrate();
    const admin = new pg.Pool({ connectionString: url, max: 1 });
    admin.on("error", () => {});
    return {
      dialect: "postgres",
      target: { dialect: "postgres", connectionString: workerUrl.toString(), tableName },
      adapter,
      directory,
      outage: () =>
        killRounds(async () => {
          const result = await admin.query<{ terminated: boolean }>(
            `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
             WHERE application_name = $1 AND pid <> pg_backend_pid()`,
            [applicationName],
          );
          return result.rows.filter((row) => row.terminated).length;
        }),
      async dispose() {
        await adapter.close();
        const tables = tablesOf(tableName)
          .map((table) => `"${table}"`)
          .join(", ");
        await admin.query(`DROP TABLE IF EXISTS ${tables} CASCADE`);
        await admin.end();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  },
};
