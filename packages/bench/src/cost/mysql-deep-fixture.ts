import { queueWorkerAddJobs, queueWorkerCreate, type StorageAdapter } from "@docket/core";
import type { Pool } from "mysql2/promise";

/**
 * The bench's deep MariaDB table for the measurement scripts of this folder (as
 * `fillDeep` in `src/systems/docket.ts` does it): history inserted pending and then
 * marked complete by one UPDATE, future rows a day ahead, then the due jobs and
 * ANALYZE TABLE. Every job is named `name`.
 */
export async function fillDeepTable(
  adapter: StorageAdapter,
  table: string,
  counts: { history: number; future: number; due: number },
  name: string,
): Promise<void> {
  const pool = adapter.db as Pool;
  if (counts.history > 0) {
    await addJobs(adapter, name, counts.history);
    await pool.query(
      `UPDATE ${table} SET is_complete = 1, completed_at = UTC_TIMESTAMP(3), ` +
        "updated_at = UTC_TIMESTAMP(3)",
    );
  }
  await addJobs(adapter, name, counts.future, new Date(Date.now() + 86_400_000));
  await addJobs(adapter, name, counts.due);
  await pool.query(`ANALYZE TABLE ${table}`);
}

async function addJobs(adapter: StorageAdapter, name: string, count: number, scheduledAt?: Date) {
  for (let done = 0; done < count; done += 1000) {
    await queueWorkerAddJobs(
      adapter,
      Array.from({ length: Math.min(1000, count - done) }, () => ({
        name,
        data: { seq: -1 },
        ...(scheduledAt === undefined ? {} : { scheduledAt }),
      })),
    );
  }
}

/**
 * A new adapter (`create`, this checkout's or a baseline copy's) on its own table,
 * migrated and filled by `fillDeepTable`; the table is dropped again if filling fails.
 */
export async function openFilledTable(
  create: (options: { uri: string; tableName: string }) => StorageAdapter,
  url: string,
  table: string,
  counts: { history: number; future: number; due: number },
  name: string,
): Promise<{ adapter: StorageAdapter; pool: Pool }> {
  const adapter = create({ uri: url, tableName: table });
  const pool = adapter.db as Pool;
  try {
    await adapter.migrate();
    await fillDeepTable(adapter, table, counts, name);
  } catch (error) {
    await dropTables(pool, table);
    await adapter.close();
    throw error;
  }
  return { adapter, pool };
}

/**
 * Starts a Docket worker at concurrency 10 (and `prefetchCount`) on jobs `name`; resolves once `count` handlers
 * have started, with the wall and Node CPU time until then (the worker is stopped after).
 */
export async function drainWithWorker(
  adapter: StorageAdapter,
  name: string,
  count: number,
  prefetchCount = 0,
): Promise<{ wallMs: number; cpuMs: number }> {
  let handled = 0;
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const worker = queueWorkerCreate(adapter, {
    handler: {
      [name]: async () => {
        handled += 1;
        if (handled === count) finish();
      },
    },
    parallelCount: 10,
    prefetchCount,
    logger: { info() {}, error() {} },
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  worker.start();
  await finished;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await worker.stop();
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Drops the table and the ones `migrate()` created beside it. */
export async function dropTables(pool: Pool, table: string): Promise<void> {
  await pool
    .query(
      `DROP TABLE IF EXISTS ${table}, ${table}_migrations, ${table}_file, ` +
        `${table}_session_token, ${table}_session`,
    )
    .catch(() => {});
}
