import { randomBytes } from "node:crypto";
import {
  DocketError,
  queueWorkerAddJob,
  queueWorkerAddJobs,
  queueWorkerCreate,
  queueWorkerListJobs,
  type StorageAdapter,
} from "@docket/core";
import pg from "pg";
import { expect, it } from "vitest";
import { createPostgresAdapter } from "../src/index.ts";
import { claimJobs, postgresTableNames } from "../src/postgres-sql.ts";
import { postgresUrl } from "./postgres-database.ts";
import { tableOf } from "./postgres-harness.ts";
import {
  claimRequest,
  describePostgres,
  eventually,
  newJob,
  outcome,
  quoted,
  setupPostgres,
} from "./postgres-test-helpers.ts";

describePostgres("postgres adapter: LISTEN/NOTIFY, recovery, claim index", () => {
  const { harness, sql } = setupPostgres();

  /** Backend pids currently listening for `adapter`'s queue. */
  const listeners = async (adapter: StorageAdapter) =>
    (
      await sql<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE query = $1 AND state = 'idle'",
        [`LISTEN "docket_${tableOf(adapter)}"`],
      )
    ).map((row) => row.pid);

  const listening = (adapter: StorageAdapter) => async () =>
    (await listeners(adapter)).length === 1;

  it("wakes a subscriber when another process enqueues", async () => {
    const adapter = await harness.create();
    const other = await harness.reopen(adapter);
    let wakes = 0;
    let secondWakes = 0;
    const unsubscribe = adapter.subscribe!(() => wakes++);
    const unsubscribeSecond = adapter.subscribe!(() => secondWakes++);
    await eventually(listening(adapter));
    await other.enqueue([newJob()]);
    await eventually(() => wakes === 1 && secondWakes === 1);
    await other.enqueue([newJob(), newJob()]);
    await eventually(() => wakes === 2);
    // One dedicated connection for all subscribers; gone when the last one leaves.
    expect(await listeners(adapter)).toHaveLength(1);
    unsubscribe();
    expect(await listeners(adapter)).toHaveLength(1);
    unsubscribeSecond();
    await eventually(async () => (await listeners(adapter)).length === 0);
  });

  it("delivers a transactional enqueue's wake-up on commit only, never after rollback", async () => {
    const adapter = await harness.create();
    const other = await harness.reopen(adapter);
    let wakes = 0;
    const unsubscribe = adapter.subscribe!(() => wakes++);
    try {
      await eventually(listening(adapter));
      await harness.inNativeTransaction(adapter, (bound) => bound.enqueue([newJob()]), {
        rollback: true,
      });
      // Notifications arrive in commit order: once this one is in, a rolled-back one
      // would have been seen before it.
      await other.enqueue([newJob()]);
      await eventually(() => wakes === 1);

      await harness.inNativeTransaction(
        adapter,
        async (bound) => {
          await bound.enqueue([newJob()]);
          await other.enqueue([newJob()]);
          await eventually(() => wakes === 2);
          expect(wakes).toBe(2); // the bound enqueue's NOTIFY waits for the commit
        },
        { rollback: false },
      );
      await eventually(() => wakes === 3);
    } finally {
      unsubscribe();
    }
  });

  it("reconnects its listener after the backend is terminated, and wakes once", async () => {
    const adapter = await harness.create();
    let wakes = 0;
    const unsubscribe = adapter.subscribe!(() => wakes++);
    try {
      await eventually(listening(adapter));
      const [pid] = await listeners(adapter);
      await sql("SELECT pg_terminate_backend($1)", [pid]);
      // Notifications may have been missed while it was away: one wake-up after reconnecting.
      await eventually(() => wakes === 1);
      await eventually(listening(adapter));
      expect(await listeners(adapter)).not.toContain(pid);
      await adapter.enqueue([newJob()]);
      await eventually(() => wakes === 2);
    } finally {
      unsubscribe();
    }
  });

  it("closes the listener on close()", async () => {
    const adapter = await harness.create();
    adapter.subscribe!(() => {});
    await eventually(listening(adapter));
    await adapter.close();
    await eventually(async () => (await listeners(adapter)).length === 0);
  });

  it("sends no NOTIFY and offers no subscribe with notify: false", async () => {
    const adapter = await harness.create();
    const quiet = createPostgresAdapter({
      connectionString: await postgresUrl(),
      tableName: tableOf(adapter),
      notify: false,
      poolSize: 1,
    });
    let wakes = 0;
    const unsubscribe = adapter.subscribe!(() => wakes++);
    try {
      expect(quiet.subscribe).toBeUndefined();
      await eventually(listening(adapter));
      await quiet.enqueue([newJob({ name: "quiet" })]);
      await adapter.enqueue([newJob({ name: "loud" })]);
      await eventually(() => wakes === 1);
      expect(wakes).toBe(1);
    } finally {
      unsubscribe();
      await quiet.close();
    }
  });

  it("recovers after every pool backend is terminated; failures are retryable", async () => {
    const created = await harness.create();
    const applicationName = `docket_recovery_${randomBytes(4).toString("hex")}`;
    const adapter = createPostgresAdapter({
      connectionString: `${await postgresUrl()}?application_name=${applicationName}`,
      tableName: tableOf(created),
      poolSize: 3,
    });
    try {
      // Open (and prepare statements on) every pooled connection.
      await Promise.all(Array.from({ length: 3 }, () => adapter.enqueue([newJob()])));
      const killed = await sql<{ pg_terminate_backend: boolean }>(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        [applicationName],
      );
      expect(killed.length).toBeGreaterThan(0);

      const failures: unknown[] = [];
      const retrying = async <T>(call: () => Promise<T>): Promise<T> => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await call();
          } catch (error) {
            failures.push(error);
            if (attempt === 5) throw error;
          }
        }
      };
      const [id] = await retrying(() => adapter.enqueue([newJob({ name: "after" })]));
      const { jobs } = await retrying(() => adapter.claim(claimRequest({ names: ["after"] })));
      expect(jobs.map((job) => job.id)).toEqual([id]);
      await retrying(() =>
        adapter.transaction((tx) => tx.adapter.complete([outcome(id!, jobs[0]!.lockedBy!)])),
      );
      expect((await adapter.getJob(id!))!.isComplete).toBe(true);
      for (const failure of failures) {
        expect(failure).toBeInstanceOf(DocketError);
        expect((failure as DocketError).retryable).toBe(true);
      }
    } finally {
      await adapter.close();
    }
  });

  it("wakes an idle worker by NOTIFY long before its poll interval", async () => {
    const adapter = await harness.create();
    const other = await harness.reopen(adapter);
    let ran = 0;
    const worker = queueWorkerCreate(adapter, {
      pollInterval: 600_000,
      logger: { info: () => {}, error: () => {} },
      handler: { job: async () => void ran++ },
    });
    worker.start();
    try {
      await eventually(listening(adapter));
      // Enqueued by another adapter instance (another process): only the NOTIFY can tell.
      await queueWorkerAddJob(other, { name: "job" });
      await eventually(() => ran === 1, 20_000);
    } finally {
      await worker.stop();
    }
  });

  it("finishes every job when all its backends are terminated mid-run", async () => {
    const created = await harness.create();
    const applicationName = `docket_midrun_${randomBytes(4).toString("hex")}`;
    const adapter = createPostgresAdapter({
      connectionString: `${await postgresUrl()}?application_name=${applicationName}`,
      tableName: tableOf(created),
      poolSize: 4,
    });
    const ran = new Set<number>();
    const worker = queueWorkerCreate(adapter, {
      pollInterval: 50,
      parallelCount: 4,
      logger: { info: () => {}, error: () => {} },
      handler: {
        job: async (_event, _db, job) => {
          ran.add(job.id);
          await new Promise((resolve) => setTimeout(resolve, 10));
        },
      },
    });
    try {
      await queueWorkerAddJobs(
        created,
        Array.from({ length: 200 }, () => ({ name: "job" })),
      );
      worker.start();
      await eventually(() => ran.size >= 50);
      const killed = await sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        [applicationName],
      );
      expect(killed.length).toBeGreaterThan(0);
      expect(ran.size).toBeLessThan(200);
      await eventually(
        async () =>
          (await queueWorkerListJobs(created, { state: "completed", limit: 1000 })).length === 200,
        30_000,
      );
      expect(await queueWorkerListJobs(created, { state: "failed", limit: 1000 })).toEqual([]);
      expect(ran.size).toBe(200);
    } finally {
      await worker.stop();
      await adapter.close();
    }
  }, 60_000);

  it("claims through the partial index when history and future jobs pile up", async () => {
    const adapter = await harness.create();
    const table = quoted(adapter);
    // 200,000 finished rows and 100,000 future rows, then a few due ones.
    await sql(
      `INSERT INTO ${table} (name, priority, scheduled_at, is_complete, completed_at)
       SELECT 'job', g % 10, now() - interval '2 days', true, now() - interval '1 day'
       FROM generate_series(1, 200000) AS g`,
    );
    await sql(
      `INSERT INTO ${table} (name, priority, scheduled_at)
       SELECT 'job', g % 10, now() + interval '1 day' + g * interval '1 second'
       FROM generate_series(1, 100000) AS g`,
    );
    const due = await adapter.enqueue(
      Array.from({ length: 5 }, (_, i) => newJob({ priority: 5 - i })),
    );
    await sql(`ANALYZE ${table}`);

    const text = claimJobs(postgresTableNames(null, tableOf(adapter)), true);
    const values = [["job"], 3, 10, "explain:1", 60_000, "lease expired"];
    const indexName = `${tableOf(adapter)}_claim_idx`;
    const usesIndex = (plan: unknown) => {
      const json = JSON.stringify(plan);
      return json.includes(`"Index Name":"${indexName}"`) && !json.includes('"Seq Scan"');
    };
    const [custom] = await sql<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
    expect(usesIndex(custom!["QUERY PLAN"])).toBe(true);

    // The hot path runs as a prepared statement, which Postgres may plan generically.
    const client = new pg.Client({ connectionString: await postgresUrl() });
    await client.connect();
    try {
      await client.query(`PREPARE claim_plan(text[], int, bigint, text, float8, text) AS ${text}`);
      await client.query("SET plan_cache_mode = force_generic_plan");
      const generic = await client.query(
        "EXPLAIN (FORMAT JSON) EXECUTE claim_plan('{job}', 3, 10, 'explain:2', 60000, 'x')",
      );
      expect(usesIndex(generic.rows[0]["QUERY PLAN"])).toBe(true);
    } finally {
      await client.end();
    }

    const { jobs } = await adapter.claim(claimRequest({ limit: 10 }));
    expect(jobs.map((job) => job.id)).toEqual([...due].reverse());
  }, 120_000);
});
