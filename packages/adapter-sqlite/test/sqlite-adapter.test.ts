import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CronDefinition,
  DocketError,
  type JobOutcome,
  LEASE_EXPIRED_ERROR,
  type NewJob,
  type StorageAdapter,
} from "@docket/core";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { createSqliteAdapter } from "../src/index.ts";
import { uniqueTableName } from "./sqlite-harness.ts";

const directory = mkdtempSync(join(tmpdir(), "docket-sqlite-adapter-"));
const filename = join(directory, "queue.db");
const opened: StorageAdapter[] = [];

afterAll(async () => {
  for (const adapter of opened) await adapter.close();
  rmSync(directory, { recursive: true, force: true });
});

interface Queue {
  adapter: StorageAdapter;
  db: Database.Database;
  table: string;
  /** Another adapter on the same table, with its own connection. */
  reopen(): StorageAdapter;
}

async function queue(): Promise<Queue> {
  const table = uniqueTableName();
  const open = () => {
    const adapter = createSqliteAdapter({ filename, tableName: table });
    opened.push(adapter);
    return adapter;
  };
  const adapter = open();
  await adapter.migrate();
  return { adapter, db: adapter.db as Database.Database, table, reopen: open };
}

function job(overrides: Partial<NewJob> = {}): NewJob {
  return {
    name: "job",
    dataJson: "{}",
    priority: 5,
    scheduledAt: null,
    handlerTimeout: null,
    ...overrides,
  };
}

function claimAll(adapter: StorageAdapter, leaseToken: string, overrides = {}) {
  return adapter.claim({
    leaseToken,
    limit: 100,
    names: ["job"],
    maxRetryCount: 3,
    ignoreSorting: false,
    leaseMs: 60_000,
    ...overrides,
  });
}

function outcome(id: number, leaseToken: string, overrides: Partial<JobOutcome> = {}): JobOutcome {
  return {
    id,
    leaseToken,
    kind: "succeeded",
    error: null,
    retryDelayMs: null,
    deleteOnFinish: false,
    cronSuccessor: null,
    ...overrides,
  };
}

function cron(name: string, overrides: Partial<CronDefinition> = {}): CronDefinition {
  const cronExpression = overrides.cronExpression ?? "0 * * * *";
  return {
    name,
    cronExpression,
    priority: 4,
    nextRunAt: new Date(Date.now() + 3_600_000),
    dataJson: JSON.stringify({ jobType: "compas.queue.cronJob", cronExpression }),
    ...overrides,
  };
}

function pendingCronRows(q: Queue, name: string) {
  return q.db
    .prepare(
      `SELECT * FROM ${q.table} WHERE name = ? AND cron_expression IS NOT NULL AND is_complete = 0`,
    )
    .all(name) as { id: number; scheduled_at: number; cron_expression: string; priority: number }[];
}

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

  it("stops offering a job whose attempts, interrupted ones included, reached the maximum", async () => {
    const q = await queue();
    await q.adapter.enqueue([job()]);
    await claimAll(q.adapter, "dead:1", { leaseMs: 0, maxRetryCount: 2 });
    const second = await claimAll(q.adapter, "dead:2", { leaseMs: 0, maxRetryCount: 2 });
    expect(second.jobs[0]!.retryCount).toBe(1);
    const third = await claimAll(q.adapter, "w:3", { maxRetryCount: 2 });
    expect(third.jobs[0]!.retryCount).toBe(2);
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
    await claimAll(q.adapter, "dead:1", { leaseMs: 0, maxRetryCount: 1 });
    const { jobs } = await claimAll(q.adapter, "w:2", { maxRetryCount: 1 });
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

describe("sqlite adapter: syncCron", () => {
  it("removes unknown pending cron rows, leaves unchanged ones, re-times changed ones", async () => {
    const q = await queue();
    await q.adapter.syncCron([cron("keep"), cron("change"), cron("drop")]);
    const [normal] = await q.adapter.enqueue([job({ name: "drop" })]);
    const keepBefore = pendingCronRows(q, "keep")[0]!;
    const later = new Date(Date.now() + 9_000_000);
    await q.adapter.syncCron([
      cron("keep", { nextRunAt: later }),
      cron("change", { cronExpression: "*/5 * * * *", nextRunAt: later }),
    ]);
    expect(pendingCronRows(q, "drop")).toHaveLength(0);
    expect(await q.adapter.getJob(normal!)).not.toBeNull();
    const keepAfter = pendingCronRows(q, "keep")[0]!;
    expect(keepAfter).toEqual(keepBefore);
    const changed = pendingCronRows(q, "change");
    expect(changed).toHaveLength(1);
    expect(changed[0]!.cron_expression).toBe("*/5 * * * *");
    expect(changed[0]!.scheduled_at).toBe(later.getTime());
    const record = await q.adapter.getJob(changed[0]!.id);
    expect(record!.data).toEqual({
      jobType: "compas.queue.cronJob",
      cronExpression: "*/5 * * * *",
    });
    await q.adapter.syncCron([cron("keep", { priority: 1, nextRunAt: later })]);
    expect(pendingCronRows(q, "keep")[0]!.priority).toBe(1);
    expect(pendingCronRows(q, "keep")[0]!.scheduled_at).toBe(later.getTime());
  });

  it("never touches normal jobs or finished cron rows sharing a cron name", async () => {
    const q = await queue();
    const [normal] = await q.adapter.enqueue([job({ name: "tick" })]);
    await q.adapter.syncCron([cron("tick")]);
    const finished = pendingCronRows(q, "tick")[0]!;
    q.db
      .prepare(`UPDATE ${q.table} SET is_complete = 1, completed_at = 1 WHERE id = ?`)
      .run(finished.id);
    const normalBefore = await q.adapter.getJob(normal!);
    await q.adapter.syncCron([cron("tick", { cronExpression: "*/2 * * * *" })]);
    await q.adapter.syncCron([]);
    expect(await q.adapter.getJob(normal!)).toEqual(normalBefore);
    expect((await q.adapter.getJob(finished.id))!.isComplete).toBe(true);
    expect(pendingCronRows(q, "tick")).toHaveLength(0);
  });

  it("ends with exactly one pending row per name after 10 concurrent registrations", async () => {
    const q = await queue();
    const adapters = [q.adapter, ...Array.from({ length: 9 }, () => q.reopen())];
    await Promise.all(
      adapters.map((adapter, i) =>
        adapter.syncCron([
          cron("a"),
          cron("b", { cronExpression: i % 2 ? "*/3 * * * *" : "0 * * * *" }),
        ]),
      ),
    );
    expect(pendingCronRows(q, "a")).toHaveLength(1);
    expect(pendingCronRows(q, "b")).toHaveLength(1);
  });
});

describe("sqlite adapter: cleanup, insights, listJobs", () => {
  it("deletes only finished rows older than the cut-off, at most limit of them", async () => {
    const q = await queue();
    const ids = await q.adapter.enqueue(Array.from({ length: 6 }, () => job()));
    const finish = q.db.prepare(
      `UPDATE ${q.table} SET is_complete = 1, completed_at = ? WHERE id = ?`,
    );
    finish.run(1000, ids[0]);
    finish.run(2000, ids[1]);
    finish.run(3000, ids[2]);
    finish.run(9000, ids[3]);
    q.db.prepare(`UPDATE ${q.table} SET completed_at = 500 WHERE id = ?`).run(ids[4]); // not finished
    expect(await q.adapter.cleanup({ completedBefore: new Date(5000), limit: 2 })).toBe(2);
    expect(await q.adapter.cleanup({ completedBefore: new Date(5000), limit: 2 })).toBe(1);
    expect(await q.adapter.cleanup({ completedBefore: new Date(5000), limit: 2 })).toBe(0);
    const left = (await q.adapter.listJobs({ limit: 10 })).map((j) => j.id);
    expect(left).toEqual([ids[5], ids[4], ids[3]]);
  });

  it("counts pending, scheduled, running and failed jobs", async () => {
    const q = await queue();
    expect(await q.adapter.insights()).toEqual({
      pendingCount: 0,
      scheduledCount: 0,
      runningCount: 0,
      failedCount: 0,
    });
    const [, , c, d] = await q.adapter.enqueue([
      job(),
      job({ scheduledAt: new Date(Date.now() + 60_000) }),
      job(),
      job(),
      job(),
    ]);
    await claimAll(q.adapter, "w:1", { limit: 2 });
    await q.adapter.complete([outcome(c!, "w:1", { kind: "failed", error: "x" })]);
    expect(d).toBeDefined();
    expect(await q.adapter.insights()).toEqual({
      pendingCount: 3,
      scheduledCount: 1,
      runningCount: 1,
      failedCount: 1,
    });
  });

  it("lists jobs newest first, by state, name and limit", async () => {
    const q = await queue();
    const [pending, scheduled, running, completed, failed, other] = await q.adapter.enqueue([
      job(),
      job({ scheduledAt: new Date(Date.now() + 60_000) }),
      job({ priority: 0 }),
      job({ priority: 1 }),
      job({ priority: 2 }),
      job({ name: "other" }),
    ]);
    await claimAll(q.adapter, "w:1", { limit: 3 });
    await q.adapter.complete([
      outcome(completed!, "w:1"),
      outcome(failed!, "w:1", { kind: "failed", error: "x" }),
    ]);
    const ids = async (query: Parameters<StorageAdapter["listJobs"]>[0]) =>
      (await q.adapter.listJobs(query)).map((j) => j.id);
    expect(await ids({ limit: 100 })).toEqual([
      other,
      failed,
      completed,
      running,
      scheduled,
      pending,
    ]);
    expect(await ids({ limit: 2 })).toEqual([other, failed]);
    expect(await ids({ limit: 100, state: "pending" })).toEqual([other, pending]);
    expect(await ids({ limit: 100, state: "pending", name: "job" })).toEqual([pending]);
    expect(await ids({ limit: 100, state: "scheduled" })).toEqual([scheduled]);
    expect(await ids({ limit: 100, state: "running" })).toEqual([running]);
    expect(await ids({ limit: 100, state: "completed" })).toEqual([completed]);
    expect(await ids({ limit: 100, state: "failed" })).toEqual([failed]);
    expect(await ids({ limit: 100, name: "other" })).toEqual([other]);
  });
});

describe("sqlite adapter: migrations, transactions, lifecycle", () => {
  it("migrates twice, and ten times at once, without harm", async () => {
    const table = uniqueTableName();
    const adapters = Array.from({ length: 10 }, () => {
      const adapter = createSqliteAdapter({ filename, tableName: table });
      opened.push(adapter);
      return adapter;
    });
    await Promise.all(adapters.map((adapter) => adapter.migrate()));
    await adapters[0]!.migrate();
    const db = adapters[0]!.db as Database.Database;
    const versions = db.prepare(`SELECT version FROM ${table}_migrations`).all();
    expect(versions).toEqual([{ version: 1 }]);
    expect(await adapters[3]!.enqueue([job()])).toHaveLength(1);
  });

  it("commits a transaction with fn, and rolls it back when fn throws", async () => {
    const q = await queue();
    const value = await q.adapter.transaction(async (tx) => {
      expect(tx.db).toBe(q.db);
      await tx.adapter.enqueue([job({ name: "kept" })]);
      return 42;
    });
    expect(value).toBe(42);
    const failure = new Error("handler failed");
    await expect(
      q.adapter.transaction(async (tx) => {
        await tx.adapter.enqueue([job({ name: "dropped" })]);
        (tx.db as Database.Database).prepare(`UPDATE ${q.table} SET priority = 0`).run();
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await q.adapter.listJobs({ limit: 10, name: "kept" })).toHaveLength(1);
    expect(await q.adapter.listJobs({ limit: 10, name: "dropped" })).toHaveLength(0);
    expect((await q.adapter.listJobs({ limit: 10 }))[0]!.priority).toBe(5);
  });

  it("keeps the adapter's other operations out of a handler's open transaction", async () => {
    const q = await queue();
    const [id] = await q.adapter.enqueue([job()]);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered = () => {};
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const transaction = q.adapter.transaction(async (tx) => {
      await tx.adapter.enqueue([job({ name: "in-tx" })]);
      entered();
      await held;
      throw new Error("roll back");
    });
    await inside;
    // Issued while the transaction is open, from outside it: must not join it.
    const claim = claimAll(q.adapter, "w:1");
    const enqueue = q.adapter.enqueue([job({ name: "outside" })]);
    let claimDone = false;
    void claim.then(() => (claimDone = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(claimDone).toBe(false);
    release();
    await expect(transaction).rejects.toThrow("roll back");
    expect((await claim).jobs.map((j) => j.id)).toEqual([id]);
    expect(await enqueue).toHaveLength(1);
    expect(await q.adapter.listJobs({ limit: 10, name: "outside" })).toHaveLength(1);
    expect(await q.adapter.listJobs({ limit: 10, name: "in-tx" })).toHaveLength(0);
    expect((await q.adapter.getJob(id!))!.lockedBy).toBe("w:1");
  });

  it("lets a handler use the root adapter inside its own transaction without deadlock", async () => {
    const q = await queue();
    await expect(
      q.adapter.transaction(async () => {
        await q.adapter.enqueue([job({ name: "nested" })]);
        expect(await q.adapter.listJobs({ limit: 10, name: "nested" })).toHaveLength(1);
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect(await q.adapter.listJobs({ limit: 10, name: "nested" })).toHaveLength(0);
  });

  it("retries a statement that met another connection's lock, and succeeds once it is free", async () => {
    const q = await queue();
    const impatient = createSqliteAdapter({ filename, tableName: q.table, busyTimeoutMs: 5 });
    opened.push(impatient);
    const holder = new Database(filename);
    holder.exec("BEGIN IMMEDIATE");
    // The first attempt runs synchronously and meets the lock; the retry comes later.
    const pending = impatient.enqueue([job({ name: "after-lock" })]);
    holder.exec("COMMIT");
    expect(await pending).toHaveLength(1);
    holder.close();
  });

  it("reports a lock that never goes away as a retryable database_error, never SQLITE_BUSY", async () => {
    const q = await queue();
    const impatient = createSqliteAdapter({ filename, tableName: q.table, busyTimeoutMs: 5 });
    opened.push(impatient);
    const holder = new Database(filename);
    holder.exec("BEGIN IMMEDIATE");
    try {
      const error = await impatient.enqueue([job()]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DocketError);
      expect(error).toMatchObject({ code: "database_error", retryable: true });
      expect(((error as DocketError).cause as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
      const claimError = await claimAll(impatient, "w:1").catch((e: unknown) => e);
      expect(claimError).toMatchObject({ code: "database_error", retryable: true });
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
  });

  it("rejects a withTransaction handle that is not a better-sqlite3 database", async () => {
    const q = await queue();
    expect(() => q.adapter.withTransaction({})).toThrow(DocketError);
  });

  it("closes an owned database, but never one the caller passed in", async () => {
    const owned = createSqliteAdapter({ filename, tableName: uniqueTableName() });
    const ownedDb = owned.db as Database.Database;
    await owned.close();
    await owned.close();
    expect(ownedDb.open).toBe(false);
    await expect(owned.getJob(1)).rejects.toMatchObject({ code: "closed" });

    const db = new Database(filename);
    const table = uniqueTableName();
    const borrowed = createSqliteAdapter({ database: db, tableName: table });
    await borrowed.migrate();
    expect(borrowed.queueKey).toBe(`sqlite:${filename}#${table}`);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    await borrowed.close();
    expect(db.open).toBe(true);
    db.close();
  });

  it("rejects bad options with invalid_option naming the field", () => {
    const cases: [unknown, string][] = [
      [{}, "filename"],
      [{ filename: "" }, "filename"],
      [{ filename: 3 }, "filename"],
      [{ filename: "a.db", database: {} }, "database"],
      [{ database: { prepare: 1 } }, "database"],
      [{ filename: "a.db", tableName: "bad name; --" }, "tableName"],
      [{ filename: "a.db", busyTimeoutMs: -1 }, "busyTimeoutMs"],
      [{ filename: "a.db", busyTimeoutMs: "5" }, "busyTimeoutMs"],
      [{ filename: "a.db", pool: 1 }, "pool"],
    ];
    for (const [options, field] of cases) {
      let caught: unknown;
      try {
        createSqliteAdapter(options as never);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(options)).toBeInstanceOf(DocketError);
      expect((caught as DocketError).code).toBe("invalid_option");
      expect((caught as DocketError).field).toBe(field);
      expect((caught as DocketError).message).toMatch(/^expected \S+ to be .+, got: /);
    }
  });

  it("reports an unreachable file as a connection error", () => {
    let caught: unknown;
    try {
      createSqliteAdapter({ filename: join(directory, "missing", "dir", "q.db") });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DocketError);
    expect((caught as DocketError).code).toBe("connection_error");
    expect((caught as DocketError).retryable).toBe(true);
  });
});
