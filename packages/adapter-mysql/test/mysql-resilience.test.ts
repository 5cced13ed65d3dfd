import { DocketError, isRetryableError } from "@docket/core";
import type { Pool, PoolConnection } from "mysql2/promise";
import { expect, it } from "vitest";
import {
  claimRequest,
  cronDefinition,
  delay,
  describeMysql,
  newJob,
  outcome,
  setupMysql,
  tableOf,
  withOneRetry,
} from "./mysql-test-helpers.ts";

const MINUTE = 60_000;

/**
 * Lock waits, deadlocks and dropped connections: retried inside the adapter where that is
 * safe, surfaced as retryable `DocketError`s where it is not.
 */
describeMysql("mysql resilience", () => {
  const { sql, callerPool, adapterOnPool, adapterOnUri } = setupMysql();

  /** A connection of the test's own that holds row locks in an open transaction. */
  async function locker(pool: Pool): Promise<PoolConnection> {
    const connection = await pool.getConnection();
    await connection.query("START TRANSACTION");
    return connection;
  }

  it("retries a lock wait timeout transparently and records the outcome once the lock is gone", async () => {
    const pool = await callerPool(["SET SESSION innodb_lock_wait_timeout = 1"]);
    const adapter = await adapterOnPool(pool);
    const [id] = await adapter.enqueue([newJob()]);
    await adapter.claim(claimRequest({ leaseToken: "w:1" }));
    const holder = await locker(pool);
    await holder.query(`SELECT id FROM ${tableOf(adapter)} WHERE id = ? FOR UPDATE`, [id]);
    const events: string[] = [];
    const completing = adapter.complete([outcome(id!, "w:1")]).then((result) => {
      events.push("completed");
      return result;
    });
    await delay(1_500); // longer than one lock wait: at least one attempt timed out
    events.push("released");
    await holder.query("COMMIT");
    holder.release();
    expect(await completing).toEqual({ recorded: [id], lost: [] });
    expect(events).toEqual(["released", "completed"]);
    expect((await adapter.getJob(id!))!.isComplete).toBe(true);
  });

  it("surfaces a retryable database_error when the lock is held through every attempt", async () => {
    const pool = await callerPool(["SET SESSION innodb_lock_wait_timeout = 1"]);
    const adapter = await adapterOnPool(pool);
    const [id] = await adapter.enqueue([newJob()]);
    await adapter.claim(claimRequest({ leaseToken: "w:1" }));
    const holder = await locker(pool);
    await holder.query(`SELECT id FROM ${tableOf(adapter)} WHERE id = ? FOR UPDATE`, [id]);
    try {
      const error = await adapter.complete([outcome(id!, "w:1")]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DocketError);
      expect(error).toMatchObject({ code: "database_error", retryable: true });
      expect((error as DocketError).cause).toMatchObject({ errno: 1205 });
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
    expect((await adapter.getJob(id!))!.isComplete).toBe(false);
  }, 60_000);

  it("retries a deadlock in which the adapter's transaction is chosen as the victim", async () => {
    const pool = await callerPool();
    const adapter = await adapterOnPool(pool);
    const t = tableOf(adapter);
    const [first, second] = await adapter.enqueue([newJob(), newJob()]);
    const filler = await adapter.enqueue(
      Array.from({ length: 200 }, () => newJob({ name: "filler" })),
    );
    await adapter.claim(claimRequest({ leaseToken: "w:1" }));
    // The other transaction changes many rows first, so InnoDB rolls back the lighter
    // adapter transaction when the cycle closes.
    const holder = await locker(pool);
    await holder.query(`UPDATE ${t} SET priority = priority + 1 WHERE name = 'filler'`);
    await holder.query(`SELECT id FROM ${t} WHERE id = ? FOR UPDATE`, [second]);
    // The adapter locks `first`, then waits for `second`.
    const completing = adapter.complete([outcome(first!, "w:1"), outcome(second!, "w:1")]);
    await delay(300);
    // Closing the cycle: the holder now waits for `first`.
    await holder.query(`SELECT id FROM ${t} WHERE id = ? FOR UPDATE`, [first]);
    await holder.query("COMMIT");
    holder.release();
    expect(await completing).toEqual({ recorded: [first, second], lost: [] });
    const done = await sql<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t} WHERE is_complete = 1`);
    expect(Number(done[0]!.n)).toBe(2);
    expect(filler).toHaveLength(200);
  });

  it("recovers after its connections are killed: at most one retryable failure per call", async () => {
    const adapter = await adapterOnUri({ poolSize: 2 });
    const pool = adapter.db as Pool;
    const killAll = async () => {
      const connections = await Promise.all([pool.getConnection(), pool.getConnection()]);
      const ids = connections.map((connection) => connection.threadId);
      for (const connection of connections) connection.release();
      // No pause after KILL: the next call may meet a connection the pool has not yet
      // seen die.
      for (const id of ids) await sql(`KILL ${Number(id)}`);
    };
    const failures: unknown[] = [];
    const step = async <T>(fn: () => Promise<T>): Promise<T> => {
      await killAll();
      const result = await withOneRetry(fn);
      failures.push(...result.failures);
      return result.value;
    };
    const [id] = await step(() => adapter.enqueue([newJob()]));
    const { jobs } = await step(() => adapter.claim(claimRequest({ leaseToken: "w:1" })));
    expect(jobs.map((job) => job.id)).toEqual([id]);
    expect(await step(() => adapter.heartbeat([{ id: id!, leaseToken: "w:1" }], MINUTE))).toEqual(
      [],
    );
    expect(await step(() => adapter.complete([outcome(id!, "w:1")]))).toEqual({
      recorded: [id],
      lost: [],
    });
    await step(() => adapter.syncCron([cronDefinition("after-kill")]));
    await step(() => adapter.migrate());
    expect(await step(() => adapter.insights())).toMatchObject({ scheduledCount: 1 });
    await step(() => adapter.transaction(async (tx) => tx.adapter.enqueue([newJob()])));
    console.log(
      "kill failures",
      failures.length,
      failures.map((f) => (f as Error).message),
    );
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(DocketError);
      expect(isRetryableError(failure)).toBe(true);
    }
  });

  it("drops a connection killed inside transaction(fn) instead of reusing it", async () => {
    const adapter = await adapterOnUri({ poolSize: 1 });
    const error = await adapter
      .transaction(async (tx) => {
        const connection = tx.db as PoolConnection;
        await sql(`KILL ${Number(connection.threadId)}`);
        await delay(50);
        await tx.adapter.enqueue([newJob({ name: "lost" })]);
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "connection_error", retryable: true });
    // The only pooled connection was replaced: the adapter works at once.
    const [id] = await adapter.enqueue([newJob()]);
    expect((await adapter.getJob(id!))!.name).toBe("job");
    expect(await adapter.listJobs({ name: "lost", limit: 5 })).toEqual([]);
  });

  it("reports an unreachable server as a retryable connection_error", async () => {
    const { createMysqlAdapter } = await import("../src/index.ts");
    const adapter = createMysqlAdapter({ uri: "mysql://root@127.0.0.1:1/test", poolSize: 1 });
    try {
      await expect(adapter.now()).rejects.toMatchObject({
        code: "connection_error",
        retryable: true,
      });
      await expect(adapter.enqueue([newJob()])).rejects.toMatchObject({ code: "connection_error" });
      await expect(adapter.claim(claimRequest())).rejects.toMatchObject({
        code: "connection_error",
      });
    } finally {
      await adapter.close();
    }
  });
});
