import { LEASE_EXPIRED_ERROR } from "@docket/core/adapter";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createSqliteAdapter } from "../src/index.ts";
import { uniqueTableName } from "./sqlite-harness.ts";
import {
  claimAll,
  cron,
  filename,
  job,
  outcome,
  pendingCronRows,
  queue,
} from "./sqlite-test-queue.ts";

describe("sqlite adapter: enqueue and read", () => {
  it("stores every field and reads it back, with ids past 2^31, unicode and a __proto__ key", async () => {
    const q = await queue();
    q.db.prepare("DELETE FROM sqlite_sequence WHERE name = ?").run(q.table);
    q.db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)").run(q.table, 2 ** 31 + 5);
    const text = "zoë 😀 𝄞 日本";
    // JSON.parse keeps `__proto__` as an own property (an object literal would not).
    const dataJson = JSON.stringify(
      JSON.parse(`{"text":${JSON.stringify(text)},"__proto__":{"polluted":true},"n":[1,null]}`),
    );
    expect(dataJson).toContain("__proto__");
    const scheduledAt = new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678));
    const before = Date.now();
    const [id] = await q.adapter.enqueue([
      job({ name: "naïve.😀", dataJson, priority: 7, scheduledAt, handlerTimeout: 1234 }),
    ]);
    expect(id).toBe(2 ** 31 + 6);
    const record = await q.adapter.getJob(id!);
    expect(record).not.toBeNull();
    expect(record!.id).toBe(2 ** 31 + 6);
    expect(record!.name).toBe("naïve.😀");
    expect(record!.data).toEqual(JSON.parse(dataJson));
    expect(Object.hasOwn(record!.data as object, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((record!.data as { text: string }).text).toBe(text);
    expect(record!.priority).toBe(7);
    expect(record!.scheduledAt).toEqual(scheduledAt);
    expect(record!.handlerTimeout).toBe(1234);
    expect(record!.retryCount).toBe(0);
    expect(record!.isComplete).toBe(false);
    expect(record!.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(record!.updatedAt).toEqual(record!.createdAt);
    expect(record!.lockedBy).toBeNull();
    expect(record!.lockedUntil).toBeNull();
    expect(record!.lastError).toBeNull();
    expect(record!.completedAt).toBeNull();
    expect(record!.failedAt).toBeNull();
    expect(record!.cronExpression).toBeNull();
    expect(await q.adapter.getJob(12345)).toBeNull();
  });

  it("schedules a job without scheduledAt at the adapter's now", async () => {
    const q = await queue();
    const before = Date.now();
    const [id] = await q.adapter.enqueue([job()]);
    const record = await q.adapter.getJob(id!);
    expect(record!.scheduledAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(record!.scheduledAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("inserts a large batch in chunks and returns the ids in input order", async () => {
    const q = await queue();
    const jobs = Array.from({ length: 1234 }, (_, i) => job({ dataJson: JSON.stringify({ i }) }));
    const ids = await q.adapter.enqueue(jobs);
    expect(ids).toHaveLength(1234);
    for (let i = 0; i < ids.length; i++) {
      const record = await q.adapter.getJob(ids[i]!);
      if (i % 100 === 0 || i === ids.length - 1) expect(record!.data).toEqual({ i });
    }
    expect(new Set(ids).size).toBe(1234);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });

  it("enqueues synchronously, inside the caller's better-sqlite3 transaction", async () => {
    const q = await queue();
    const bound = q.adapter.withTransaction(q.db);
    expect(bound.queueKey).toBe(q.adapter.queueKey);
    let inside: number | undefined;
    q.db.transaction(() => {
      void bound.enqueue([job({ name: "tx" })]);
      inside = (q.db.prepare(`SELECT count(*) AS n FROM ${q.table}`).get() as { n: number }).n;
    })();
    expect(inside).toBe(1);
    expect(await q.adapter.listJobs({ limit: 10, name: "tx" })).toHaveLength(1);
  });

  it("keeps a job enqueued in a native transaction only when that transaction commits", async () => {
    const q = await queue();
    const bound = q.adapter.withTransaction(q.db);
    const rolledBack = new Error("rollback");
    expect(() =>
      q.db.transaction(() => {
        void bound.enqueue([job({ name: "rolled-back" })]);
        throw rolledBack;
      })(),
    ).toThrow(rolledBack);
    q.db.transaction(() => {
      void bound.enqueue([job({ name: "committed" }), job({ name: "committed" })]);
    })();
    expect(await q.adapter.listJobs({ limit: 10, name: "rolled-back" })).toHaveLength(0);
    expect(await q.adapter.listJobs({ limit: 10, name: "committed" })).toHaveLength(2);
  });

  it("reads ids as numbers even when the application turned on safe integers", async () => {
    const table = uniqueTableName();
    const db = new Database(filename);
    db.defaultSafeIntegers(true);
    const adapter = createSqliteAdapter({ database: db, tableName: table });
    await adapter.migrate();
    const [id] = await adapter.enqueue([job()]);
    expect(typeof id).toBe("number");
    const record = await adapter.getJob(id!);
    expect(typeof record!.id).toBe("number");
    expect(typeof record!.createdAt.getTime()).toBe("number");
    await adapter.close();
    db.close();
  });
});

describe("sqlite adapter: claim", () => {
  it("claims in priority, scheduled_at, id order and leases what it returns", async () => {
    const q = await queue();
    const t = Date.now() - 10_000;
    const ids = await q.adapter.enqueue([
      job({ priority: 5, scheduledAt: new Date(t + 2) }), // 4th
      job({ priority: 1, scheduledAt: new Date(t + 5) }), // 2nd
      job({ priority: 5, scheduledAt: new Date(t + 1) }), // 3rd
      job({ priority: 1, scheduledAt: new Date(t + 1) }), // 1st
      job({ priority: 5, scheduledAt: new Date(t + 2) }), // 5th (same as 4th, higher id)
    ]);
    const { jobs, now } = await claimAll(q.adapter, "w:1");
    expect(jobs.map((j) => j.id)).toEqual([ids[3], ids[1], ids[2], ids[0], ids[4]]);
    for (const claimed of jobs) {
      expect(claimed.lockedBy).toBe("w:1");
      expect(claimed.lockedUntil!.getTime()).toBe(now.getTime() + 60_000);
      expect(claimed.updatedAt).toEqual(now);
      expect(claimed.retryCount).toBe(0);
    }
    expect((await claimAll(q.adapter, "w:2")).jobs).toHaveLength(0);
  });

  it("respects the limit and takes the first jobs in order", async () => {
    const q = await queue();
    const ids = await q.adapter.enqueue(Array.from({ length: 10 }, () => job()));
    const first = await claimAll(q.adapter, "w:1", { limit: 3 });
    expect(first.jobs.map((j) => j.id)).toEqual(ids.slice(0, 3));
    const unsorted = await claimAll(q.adapter, "w:2", { limit: 4, ignoreSorting: true });
    expect(unsorted.jobs).toHaveLength(4);
  });

  it("never hands a job to two claimers running in parallel on two connections", async () => {
    const q = await queue();
    const other = q.reopen();
    await q.adapter.enqueue(Array.from({ length: 200 }, () => job()));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        claimAll(i % 2 === 0 ? q.adapter : other, `w:${i}`, { limit: 30 }),
      ),
    );
    const ids = results.flatMap((r) => r.jobs.map((j) => j.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(200);
  });

  it("skips future, complete, leased, exhausted and unlisted jobs", async () => {
    const q = await queue();
    const [future, complete, leased, exhausted, other, eligible] = await q.adapter.enqueue([
      job({ scheduledAt: new Date(Date.now() + 60_000) }),
      job(),
      job(),
      job(),
      job({ name: "other" }),
      job(),
    ]);
    q.db
      .prepare(`UPDATE ${q.table} SET is_complete = 1, completed_at = 1 WHERE id = ?`)
      .run(complete);
    q.db
      .prepare(`UPDATE ${q.table} SET locked_by = 'x:1', locked_until = ? WHERE id = ?`)
      .run(Date.now() + 60_000, leased);
    q.db.prepare(`UPDATE ${q.table} SET retry_count = 3 WHERE id = ?`).run(exhausted);
    const { jobs } = await claimAll(q.adapter, "w:1");
    expect(jobs.map((j) => j.id)).toEqual([eligible]);
    expect(future).toBeDefined();
    const both = await claimAll(q.adapter, "w:2", { names: ["job", "other"] });
    expect(both.jobs.map((j) => j.id)).toEqual([other]);
  });

  it("takes over an expired lease, counting the interrupted attempt as failed", async () => {
    const q = await queue();
    const [id] = await q.adapter.enqueue([job()]);
    const first = await claimAll(q.adapter, "dead:1", { leaseMs: 0 });
    expect(first.jobs[0]!.retryCount).toBe(0);
    const second = await claimAll(q.adapter, "w:2");
    expect(second.jobs).toHaveLength(1);
    expect(second.jobs[0]!.id).toBe(id);
    expect(second.jobs[0]!.retryCount).toBe(1);
    expect(second.jobs[0]!.lastError).toBe(LEASE_EXPIRED_ERROR);
    expect(second.jobs[0]!.lockedBy).toBe("w:2");
    // The dead worker's late result is refused.
    const late = await q.adapter.complete([outcome(id!, "dead:1")]);
    expect(late).toEqual({ recorded: [], lost: [id] });
  });

  it("finishes, instead of offering, a job whose interrupted attempts reached the maximum", async () => {
    const q = await queue();
    const [id] = await q.adapter.enqueue([job()]);
    await claimAll(q.adapter, "dead:1", { leaseMs: 0, maxRetryCount: 2 });
    const second = await claimAll(q.adapter, "dead:2", { leaseMs: 0, maxRetryCount: 2 });
    expect(second.jobs[0]!.retryCount).toBe(1);
    const third = await claimAll(q.adapter, "w:3", { maxRetryCount: 2 });
    expect(third).toMatchObject({ jobs: [], finished: [id] });
    expect(await q.adapter.getJob(id!)).toMatchObject({ isComplete: true, retryCount: 2 });
    expect((await claimAll(q.adapter, "w:4", { leaseMs: 0, maxRetryCount: 2 })).jobs).toHaveLength(
      0,
    );
  });
});

describe("sqlite adapter: heartbeat and complete", () => {
  it("extends live leases and reports the lost ones", async () => {
    const q = await queue();
    const [a, b, c] = await q.adapter.enqueue([job(), job(), job()]);
    const { jobs } = await claimAll(q.adapter, "w:1", { leaseMs: 1000 });
    await q.adapter.complete([outcome(c!, "w:1")]);
    const lost = await q.adapter.heartbeat(
      [
        { id: a!, leaseToken: "w:1" },
        { id: b!, leaseToken: "stale:0" },
        { id: c!, leaseToken: "w:1" },
        { id: 999_999, leaseToken: "w:1" },
      ],
      120_000,
    );
    expect(lost).toEqual([b, c, 999_999]);
    const record = await q.adapter.getJob(a!);
    expect(record!.lockedUntil!.getTime()).toBeGreaterThan(
      jobs[0]!.lockedUntil!.getTime() + 60_000,
    );
    expect((await q.adapter.getJob(b!))!.lockedUntil).toEqual(jobs[1]!.lockedUntil);
  });

  it("records a success and refuses a stale lease token without changing the row", async () => {
    const q = await queue();
    const [id] = await q.adapter.enqueue([job()]);
    await claimAll(q.adapter, "w:1");
    const before = await q.adapter.getJob(id!);
    expect(await q.adapter.complete([outcome(id!, "w:0")])).toEqual({ recorded: [], lost: [id] });
    expect(await q.adapter.getJob(id!)).toEqual(before);
    expect(await q.adapter.complete([outcome(id!, "w:1")])).toEqual({ recorded: [id], lost: [] });
    const done = await q.adapter.getJob(id!);
    expect(done!.isComplete).toBe(true);
    expect(done!.completedAt).not.toBeNull();
    expect(done!.failedAt).toBeNull();
    expect(done!.lockedBy).toBeNull();
    expect(done!.lockedUntil).toBeNull();
    // A second report of the same attempt is lost: the job is complete.
    expect(await q.adapter.complete([outcome(id!, "w:1")])).toEqual({ recorded: [], lost: [id] });
  });

  it("retries with a delay by moving scheduled_at, and without one by leaving it", async () => {
    const q = await queue();
    const [a, b] = await q.adapter.enqueue([job(), job()]);
    const original = (await q.adapter.getJob(b!))!.scheduledAt;
    await claimAll(q.adapter, "w:1");
    const before = Date.now();
    const result = await q.adapter.complete([
      outcome(a!, "w:1", { kind: "retry", error: "boom", retryDelayMs: 60_000 }),
      outcome(b!, "w:1", { kind: "retry", error: "bang", retryDelayMs: null }),
    ]);
    expect(result).toEqual({ recorded: [a, b], lost: [] });
    const delayed = await q.adapter.getJob(a!);
    expect(delayed!.scheduledAt.getTime()).toBeGreaterThanOrEqual(before + 60_000);
    expect(delayed!.retryCount).toBe(1);
    expect(delayed!.lastError).toBe("boom");
    expect(delayed!.isComplete).toBe(false);
    expect(delayed!.lockedBy).toBeNull();
    const immediate = await q.adapter.getJob(b!);
    expect(immediate!.scheduledAt).toEqual(original);
    expect((await claimAll(q.adapter, "w:2")).jobs.map((j) => j.id)).toEqual([b]);
  });

  it("marks a job that gave up as failed", async () => {
    const q = await queue();
    const [id] = await q.adapter.enqueue([job()]);
    await claimAll(q.adapter, "w:1");
    await q.adapter.complete([outcome(id!, "w:1", { kind: "failed", error: "final" })]);
    const record = await q.adapter.getJob(id!);
    expect(record!.isComplete).toBe(true);
    expect(record!.failedAt).not.toBeNull();
    expect(record!.completedAt).toEqual(record!.failedAt);
    expect(record!.retryCount).toBe(1);
    expect(record!.lastError).toBe("final");
  });

  it("abandons a job as failed, keeping the retry count and error its claim recorded", async () => {
    const q = await queue();
    const [id] = await q.adapter.enqueue([job()]);
    await claimAll(q.adapter, "dead:1", { leaseMs: 0, maxRetryCount: 2 });
    // Leased with an attempt to spare; `abandoned` finishes it for a worker with none left.
    const { jobs } = await claimAll(q.adapter, "w:2", { maxRetryCount: 2 });
    expect(jobs[0]!.retryCount).toBe(1);
    const result = await q.adapter.complete([
      outcome(id!, "w:2", { kind: "abandoned", error: LEASE_EXPIRED_ERROR }),
    ]);
    expect(result).toEqual({ recorded: [id], lost: [] });
    const record = await q.adapter.getJob(id!);
    expect(record).toMatchObject({
      isComplete: true,
      retryCount: 1,
      lastError: LEASE_EXPIRED_ERROR,
    });
    expect(record!.failedAt).toEqual(record!.completedAt);
    expect(record!.failedAt).not.toBeNull();
  });

  it("deletes finished jobs with deleteOnFinish, but keeps a retried one", async () => {
    const q = await queue();
    const [a, b, c, d] = await q.adapter.enqueue([job(), job(), job(), job()]);
    await claimAll(q.adapter, "w:1");
    const result = await q.adapter.complete([
      outcome(a!, "w:1", { deleteOnFinish: true }),
      outcome(b!, "w:1", { kind: "failed", error: "x", deleteOnFinish: true }),
      outcome(c!, "w:1", { kind: "retry", error: "y", deleteOnFinish: true }),
      outcome(d!, "w:1", { kind: "abandoned", error: null, deleteOnFinish: true }),
      outcome(a!, "w:1", { deleteOnFinish: true }),
    ]);
    expect(result).toEqual({ recorded: [a, b, c, d], lost: [a] });
    expect(await q.adapter.getJob(d!)).toBeNull();
    expect(await q.adapter.getJob(a!)).toBeNull();
    expect(await q.adapter.getJob(b!)).toBeNull();
    expect((await q.adapter.getJob(c!))!.retryCount).toBe(1);
  });

  it("inserts a finished cron job's successor once and never a second pending row", async () => {
    const q = await queue();
    await q.adapter.syncCron([cron("tick")]);
    const [pending] = pendingCronRows(q, "tick");
    q.db
      .prepare(`UPDATE ${q.table} SET scheduled_at = ? WHERE id = ?`)
      .run(Date.now() - 1, pending!.id);
    const { jobs } = await claimAll(q.adapter, "w:1", { names: ["tick"] });
    expect(jobs).toHaveLength(1);
    const successor = cron("tick", { nextRunAt: new Date(Date.now() + 7_200_000) });
    // A stale token: its successor must not appear.
    await q.adapter.complete([outcome(pending!.id, "w:0", { cronSuccessor: successor })]);
    expect(pendingCronRows(q, "tick")).toHaveLength(1);
    const result = await q.adapter.complete([
      outcome(pending!.id, "w:1", { cronSuccessor: successor }),
    ]);
    expect(result.recorded).toEqual([pending!.id]);
    const rows = pendingCronRows(q, "tick");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).not.toBe(pending!.id);
    expect(rows[0]!.scheduled_at).toBe(successor.nextRunAt.getTime());
    // A racing registration already made the pending row: the successor is skipped silently.
    const [row] = rows;
    q.db
      .prepare(`UPDATE ${q.table} SET scheduled_at = ? WHERE id = ?`)
      .run(Date.now() - 1, row!.id);
    await claimAll(q.adapter, "w:2", { names: ["tick"] });
    await q.adapter.syncCron([cron("tick", { cronExpression: "*/5 * * * *" })]);
    const again = await q.adapter.complete([outcome(row!.id, "w:2", { cronSuccessor: successor })]);
    expect(again.recorded).toEqual([row!.id]);
    expect(pendingCronRows(q, "tick")).toHaveLength(1);
  });
});
