import { join } from "node:path";
import { DocketError, type StorageAdapter } from "@docket/core";
import { SCHEMA_MIGRATIONS } from "@docket/core/adapter";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createSqliteAdapter } from "../src/index.ts";
import { uniqueTableName } from "./sqlite-harness.ts";
import {
  claimAll,
  cron,
  directory,
  filename,
  job,
  opened,
  outcome,
  pendingCronRows,
  queue,
} from "./sqlite-test-queue.ts";

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
    const versions = db.prepare(`SELECT version FROM ${table}_migrations ORDER BY version`).all();
    expect(versions).toEqual(SCHEMA_MIGRATIONS.map(({ version }) => ({ version })));
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

  it("runs a bound adapter's transaction as a savepoint of the caller's transaction", async () => {
    const q = await queue();
    const other = new Database(filename);
    const bound = q.adapter.withTransaction(other);
    other.exec("BEGIN");
    await bound.transaction(async (tx) => {
      await tx.adapter.enqueue([job({ name: "kept" })]);
    });
    await expect(
      bound.transaction(async (tx) => {
        await tx.adapter.enqueue([job({ name: "undone" })]);
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect(other.inTransaction).toBe(true);
    other.exec("COMMIT");
    other.close();
    expect(await q.adapter.listJobs({ limit: 10, name: "kept" })).toHaveLength(1);
    expect(await q.adapter.listJobs({ limit: 10, name: "undone" })).toHaveLength(0);
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
