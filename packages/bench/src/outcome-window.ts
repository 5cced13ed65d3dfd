/**
 * Measures the window in which a succeeded job can run again: from the moment its
 * handler returns to the moment the batched write of its outcome has committed (a
 * process that dies inside it leaves the job leased but unrecorded; after the lease
 * expires another worker runs it again). Not part of `pnpm bench`; run it alone:
 *
 *   pnpm --filter @docket/bench exec tsx src/outcome-window.ts
 *
 * SQLite always; Postgres / MySQL when DOCKET_POSTGRES_URL / DOCKET_MYSQL_URL are set.
 * Per database: one job at a time (an idle worker), and a drain of 5,000 no-op jobs at
 * parallelCount 10 (a busy one, outcomes batched).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMysqlAdapter } from "@docket/adapter-mysql";
import { createPostgresAdapter } from "@docket/adapter-postgres";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import {
  queueWorkerAddJob,
  queueWorkerAddJobs,
  queueWorkerCreate,
  type StorageAdapter,
} from "@docket/core";

const SEQUENTIAL_JOBS = 200;
const DRAIN_JOBS = 5_000;
const silent = { info() {}, error() {} };

interface Target {
  label: string;
  adapter: StorageAdapter;
  drop(): Promise<void>;
}

async function measure(target: Target, mode: "sequential" | "drain"): Promise<number[]> {
  const { adapter } = target;
  const returnedAt = new Map<number, number>();
  const windows: number[] = [];
  // Times each outcome from the handler's return to the end of the write that recorded it.
  const timed = Object.create(adapter) as StorageAdapter;
  timed.complete = async (outcomes) => {
    const result = await adapter.complete(outcomes);
    const at = performance.now();
    for (const id of result.recorded) {
      const returned = returnedAt.get(id);
      if (returned !== undefined) windows.push(at - returned);
    }
    return result;
  };
  const total = mode === "sequential" ? SEQUENTIAL_JOBS : DRAIN_JOBS;
  const recorded = () => windows.length;
  const worker = queueWorkerCreate(timed, {
    parallelCount: mode === "sequential" ? 1 : 10,
    pollInterval: 50,
    logger: silent,
    handler: {
      window: async (_event, _db, job) => {
        returnedAt.set(job.id, performance.now());
      },
    },
  });
  worker.start();
  if (mode === "sequential") {
    for (let i = 0; i < total; i++) {
      const before = recorded();
      await queueWorkerAddJob(adapter, { name: "window" });
      while (recorded() === before) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } else {
    for (let i = 0; i < total; i += 1_000) {
      await queueWorkerAddJobs(
        adapter,
        Array.from({ length: 1_000 }, () => ({ name: "window" })),
      );
    }
    while (recorded() < total) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await worker.stop();
  return windows;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summary(windows: number[]): string {
  const sorted = [...windows].sort((a, b) => a - b);
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  return `p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted.at(-1) ?? Number.NaN)} (${sorted.length} jobs)`;
}

async function targets(): Promise<Target[]> {
  const tableName = `window_${randomBytes(4).toString("hex")}`;
  const found: Target[] = [];
  const directory = mkdtempSync(join(tmpdir(), "docket-window-"));
  const sqlite = createSqliteAdapter({ filename: join(directory, "queue.db"), tableName });
  found.push({
    label: "sqlite",
    adapter: sqlite,
    drop: async () => {
      await sqlite.close();
      rmSync(directory, { recursive: true, force: true });
    },
  });
  const postgresUrl = process.env.DOCKET_POSTGRES_URL;
  if (postgresUrl) {
    const adapter = createPostgresAdapter({ connectionString: postgresUrl, tableName });
    found.push({
      label: "postgres",
      adapter,
      drop: async () => {
        const pool = adapter.db as { query(text: string): Promise<unknown> };
        await pool.query(`DROP TABLE IF EXISTS "${tableName}", "${tableName}_migrations"`);
        await adapter.close();
      },
    });
  }
  const mysqlUrl = process.env.DOCKET_MYSQL_URL;
  if (mysqlUrl) {
    const adapter = createMysqlAdapter({ uri: mysqlUrl, tableName });
    found.push({
      label: "mysql",
      adapter,
      drop: async () => {
        const pool = adapter.db as { query(text: string): Promise<unknown> };
        await pool.query(`DROP TABLE IF EXISTS ${tableName}, ${tableName}_migrations`);
        await adapter.close();
      },
    });
  }
  return found;
}

for (const target of await targets()) {
  try {
    await target.adapter.migrate();
    for (const mode of ["sequential", "drain"] as const) {
      const windows = await measure(target, mode);
      console.log(`${target.label.padEnd(8)} ${mode.padEnd(10)} ${summary(windows)}`);
    }
  } finally {
    await target.drop();
  }
}
