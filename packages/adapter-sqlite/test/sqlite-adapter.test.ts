import { join } from "node:path";
import { DocketError } from "@docket/core";
import { SCHEMA_MIGRATIONS } from "@docket/core/adapter";
import { claimRequest, newJob } from "@docket/core/testing";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createSqliteAdapter } from "../src/index.ts";
import { WAL_AUTOCHECKPOINT_FRAMES } from "../src/sqlite-sql.ts";
import { uniqueTableName } from "./sqlite-harness.ts";
import { directory, filename, opened, queue } from "./sqlite-test-queue.ts";

// What only SQLite does; the seam's behaviour is checked by the shared conformance suite.

describe("sqlite adapter: ids, migrations and the driver", () => {
  it("reads ids past 2^31 as numbers", async () => {
    const q = await queue();
    q.db.prepare("DELETE FROM sqlite_sequence WHERE name = ?").run(q.table);
    q.db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)").run(q.table, 2 ** 31 + 5);
    const [id] = await q.adapter.enqueue([newJob()]);
    expect(id).toBe(2 ** 31 + 6);
    expect((await q.adapter.getJob(id!))!.id).toBe(2 ** 31 + 6);
  });

  it("reads ids as numbers even when the application turned on safe integers", async () => {
    const db = new Database(filename);
    db.defaultSafeIntegers(true);
    const adapter = createSqliteAdapter({ database: db, tableName: uniqueTableName() });
    await adapter.migrate();
    const [id] = await adapter.enqueue([newJob()]);
    expect(typeof id).toBe("number");
    const record = await adapter.getJob(id!);
    expect(typeof record!.id).toBe("number");
    expect(typeof record!.createdAt.getTime()).toBe("number");
    await adapter.close();
    db.close();
  });

  it("records every migration version once", async () => {
    const q = await queue();
    await q.adapter.migrate();
    const versions = q.db.prepare(`SELECT version FROM ${q.table}_migrations ORDER BY version`);
    expect(versions.all()).toEqual(SCHEMA_MIGRATIONS.map(({ version }) => ({ version })));
  });
});

describe("sqlite adapter: one connection, synchronous transactions", () => {
  it("enqueues synchronously, inside the caller's better-sqlite3 transaction", async () => {
    const q = await queue();
    const bound = q.adapter.withTransaction(q.db);
    let inside: number | undefined;
    q.db.transaction(() => {
      void bound.enqueue([newJob({ name: "tx" })]);
      inside = (q.db.prepare(`SELECT count(*) AS n FROM ${q.table}`).get() as { n: number }).n;
    })();
    expect(inside).toBe(1);
    expect(await q.adapter.listJobs({ limit: 10, name: "tx" })).toHaveLength(1);
  });

  it("runs transaction(fn) on the adapter's own database handle", async () => {
    const q = await queue();
    expect(await q.adapter.transaction(async (tx) => tx.db)).toBe(q.db);
  });

  it("keeps the adapter's other operations out of a handler's open transaction", async () => {
    const q = await queue();
    const [id] = await q.adapter.enqueue([newJob()]);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered = () => {};
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const transaction = q.adapter.transaction(async (tx) => {
      await tx.adapter.enqueue([newJob({ name: "in-tx" })]);
      entered();
      await held;
      throw new Error("roll back");
    });
    await inside;
    // Issued while the transaction is open, from outside it: must wait, not join it.
    const claim = q.adapter.claim(claimRequest({ leaseToken: "w:1" }));
    const enqueue = q.adapter.enqueue([newJob({ name: "outside" })]);
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
        await q.adapter.enqueue([newJob({ name: "nested" })]);
        expect(await q.adapter.listJobs({ limit: 10, name: "nested" })).toHaveLength(1);
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect(await q.adapter.listJobs({ limit: 10, name: "nested" })).toHaveLength(0);
  });

  it("runs a bound adapter's transaction as a savepoint of the caller's own connection", async () => {
    const q = await queue();
    const other = new Database(filename);
    const bound = q.adapter.withTransaction(other);
    other.exec("BEGIN");
    await bound.transaction(async (tx) => {
      await tx.adapter.enqueue([newJob({ name: "kept" })]);
    });
    await expect(
      bound.transaction(async (tx) => {
        await tx.adapter.enqueue([newJob({ name: "undone" })]);
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect(other.inTransaction).toBe(true);
    other.exec("COMMIT");
    other.close();
    expect(await q.adapter.listJobs({ limit: 10, name: "kept" })).toHaveLength(1);
    expect(await q.adapter.listJobs({ limit: 10, name: "undone" })).toHaveLength(0);
  });
});

describe("sqlite adapter: locks, handles and options", () => {
  it("retries a statement that met another connection's lock, and succeeds once it is free", async () => {
    const q = await queue();
    const impatient = createSqliteAdapter({ filename, tableName: q.table, busyTimeoutMs: 5 });
    opened.push(impatient);
    const holder = new Database(filename);
    holder.exec("BEGIN IMMEDIATE");
    // The first attempt runs synchronously and meets the lock; the retry comes later.
    const pending = impatient.enqueue([newJob({ name: "after-lock" })]);
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
      const error = await impatient.enqueue([newJob()]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DocketError);
      expect(error).toMatchObject({ code: "database_error", retryable: true });
      expect(((error as DocketError).cause as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
      const claimError = await impatient.claim(claimRequest()).catch((e: unknown) => e);
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
    expect(ownedDb.open).toBe(false);

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

  it("checkpoints its own file every WAL_AUTOCHECKPOINT_FRAMES, and leaves a handle's setting", async () => {
    const owned = createSqliteAdapter({ filename, tableName: uniqueTableName() });
    const ownedDb = owned.db as Database.Database;
    expect(ownedDb.pragma("wal_autocheckpoint", { simple: true })).toBe(WAL_AUTOCHECKPOINT_FRAMES);
    expect(ownedDb.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    await owned.close();

    const db = new Database(filename);
    const borrowed = createSqliteAdapter({ database: db, tableName: uniqueTableName() });
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000); // SQLite's default
    await borrowed.close();
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
