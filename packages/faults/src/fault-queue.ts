/**
 * One experiment's queue on one backend: a fresh table (`uniqueTableName()`), a temp
 * directory for the ledger, the experiment's own adapter (never cut off) and the
 * database-specific fault: `outage()` takes the database away from the worker processes
 * and resolves when it is back.
 */
import type { StorageAdapter } from "@docket/core";
import type { Dialect, QueueTarget } from "./target.ts";

export interface Outage {
  /** What was done, for the figures line (e.g. `terminated 9 connections`). */
  description: string;
  /** `Date.now()` when the database was available to the workers again. */
  endedAt: number;
}

export interface FaultQueue {
  readonly dialect: Dialect;
  /** What worker processes connect to (on Postgres and MySQL, as an identifiable client). */
  readonly target: QueueTarget;
  /** The experiment's own adapter: enqueues and inspects, untouched by outages. */
  readonly adapter: StorageAdapter;
  /** A temp directory of this experiment's own (ledger files, error logs). */
  readonly directory: string;
  outage(): Promise<Outage>;
  /** Closes the adapter, drops the tables, removes the directory (and any helper user). */
  dispose(): Promise<void>;
}

export interface Backend {
  readonly dialect: Dialect;
  /** The URL, or null when the backend is not configured (the experiments skip loudly). */
  readonly url: string | null;
  createQueue(): Promise<FaultQueue>;
}

/** Tables an adapter's `migrate()` may create beside the job table (store tables included). */
export function tablesOf(tableName: string): string[] {
  return ["_session_token", "_session", "_file", "", "_migrations"].map(
    (suffix) => `${tableName}${suffix}`,
  );
}

/** How long a connection-killing outage lasts, and how often it kills again meanwhile. */
export const KILL_OUTAGE_MS = 2_000;
const KILL_ROUND_INTERVAL_MS = 200;

/**
 * Kills the workers' connections again and again for `KILL_OUTAGE_MS`, so the connections
 * they open to recover die too — a database that is gone for a while, not one blip.
 */
export async function killRounds(killAll: () => Promise<number>): Promise<Outage> {
  const until = Date.now() + KILL_OUTAGE_MS;
  let killed = 0;
  let rounds = 0;
  do {
    killed += await killAll();
    rounds += 1;
    await new Promise((resolve) => setTimeout(resolve, KILL_ROUND_INTERVAL_MS));
  } while (Date.now() < until);
  return { description: `killed ${killed} connections in ${rounds} rounds`, endedAt: Date.now() };
}
