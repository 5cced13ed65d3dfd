import type { Backend } from "./fault-queue.ts";
import { mysqlBackend } from "./mysql-queue.ts";
import { postgresBackend } from "./postgres-queue.ts";
import { sqliteBackend } from "./sqlite-queue.ts";

/** The three databases, in the order the experiments run on them. */
export const BACKENDS: readonly Backend[] = [sqliteBackend, postgresBackend, mysqlBackend];

const URL_VARIABLE: Record<string, string> = {
  postgres: "DOCKET_POSTGRES_URL",
  mysql: "DOCKET_MYSQL_URL",
};

/** Says loudly, once per file, that a backend's experiments are skipped and why. */
export function warnIfSkipped(backend: Backend): void {
  if (backend.url !== null) return;
  console.warn(
    `\n!!! fault experiments on ${backend.dialect} SKIPPED: ${URL_VARIABLE[backend.dialect]} is not set.\n`,
  );
}
