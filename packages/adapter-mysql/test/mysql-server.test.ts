import { DocketError, type StorageAdapter } from "@docket/core";
import { LEASE_EXPIRED_ERROR, SCHEMA_MIGRATIONS } from "@docket/core/adapter";
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
  uniqueTableName,
} from "./mysql-test-helpers.ts";

const MINUTE = 60_000;
const HOUR = 3_600_000;

/**
 * MySQL/MariaDB-only behaviour: session time zones, sql_mode, utf8mb4, packet limits,
 * migrations racing on a new table.
 */
describeMysql("mysql server settings", () => {
  const { harness, sql, callerPool, adapterOnPool, adapterOnUri } = setupMysql();

  it("keeps times exact and eligibility right when the session time zone is +05:30", async () => {
    // The pool's own `timezone` option and the session `time_zone` both say +05:30; a
    // NOW()-based or Date-parameter-based adapter would be off by 5.5 hours.
    const pool = await callerPool(["SET time_zone = '+05:30'"], { timezone: "+05:30" });
    const [[zone]] = (await pool.query("SELECT @@session.time_zone AS tz")) as unknown as [
      { tz: string }[],
    ];
    expect(zone!.tz).toBe("+05:30");
    const adapter = await adapterOnPool(pool);
    const exact = new Date("2030-06-15T23:59:59.123Z");
    const due = new Date(Date.now() - 10 * MINUTE);
    const soon = new Date(Date.now() + 2 * HOUR); // in the future, but before UTC+5:30 "now"
    const [exactId, dueId, soonId] = await adapter.enqueue([
      newJob({ scheduledAt: exact }),
      newJob({ scheduledAt: due }),
      newJob({ scheduledAt: soon }),
    ]);
    const stored = (await adapter.getJob(exactId!))!;
    expect(stored.scheduledAt.toISOString()).toBe(exact.toISOString());
    expect(Math.abs(stored.createdAt.getTime() - Date.now())).toBeLessThan(MINUTE);
    expect(Math.abs((await adapter.now()).getTime() - Date.now())).toBeLessThan(MINUTE);
    // Stored as UTC: a UTC session reads the same wall-clock text.
    const raw = await sql<{ s: string }>(
      `SELECT DATE_FORMAT(scheduled_at, '%Y-%m-%d %H:%i:%s.%f') AS s FROM ${tableOf(adapter)} WHERE id = ?`,
      [exactId],
    );
    expect(raw[0]!.s).toBe("2030-06-15 23:59:59.123000");

    const { jobs, now } = await adapter.claim(claimRequest({ limit: 10, leaseMs: 30 * MINUTE }));
    expect(jobs.map((job) => job.id)).toEqual([dueId]);
    expect(jobs[0]!.scheduledAt.getTime()).toBe(due.getTime());
    expect(jobs[0]!.lockedUntil!.getTime()).toBe(now.getTime() + 30 * MINUTE);
    expect(await adapter.getJob(dueId!)).toEqual(jobs[0]);
    const running = await adapter.listJobs({ state: "running", limit: 10 });
    expect(running.map((job) => job.id)).toEqual([dueId]);
    const scheduled = await adapter.listJobs({ state: "scheduled", limit: 10 });
    expect(scheduled.map((job) => job.id).sort()).toEqual([exactId, soonId].sort());
    expect(await adapter.insights()).toMatchObject({
      pendingCount: 1,
      scheduledCount: 2,
      runningCount: 1,
    });
    expect(await adapter.heartbeat([{ id: dueId!, leaseToken: jobs[0]!.lockedBy! }], HOUR)).toEqual(
      [],
    );
    expect((await adapter.getJob(dueId!))!.lockedUntil!.getTime()).toBeGreaterThan(
      Date.now() + 50 * MINUTE,
    );

    const nextRunAt = new Date("2031-01-01T00:00:00.007Z");
    await adapter.syncCron([cronDefinition("tz-cron", { nextRunAt })]);
    const [cron] = await adapter.listJobs({ name: "tz-cron", limit: 1 });
    expect(cron!.scheduledAt.toISOString()).toBe(nextRunAt.toISOString());
    await adapter.complete([
      outcome(dueId!, jobs[0]!.lockedBy!, { kind: "retry", error: "e", retryDelayMs: 5 * MINUTE }),
    ]);
    const retried = (await adapter.getJob(dueId!))!;
    expect(retried.scheduledAt.getTime()).toBe(retried.updatedAt.getTime() + 5 * MINUTE);
    expect(Math.abs(retried.updatedAt.getTime() - Date.now())).toBeLessThan(MINUTE);
  });

  it("ignores a caller pool's dateStrings, typeCast and big-number settings", async () => {
    const pool = await callerPool([], {
      dateStrings: false,
      supportBigNumbers: false,
      typeCast: (field, next) => (field.type === "DATETIME" ? "not a date" : next()),
    });
    const adapter = await adapterOnPool(pool);
    const scheduledAt = new Date("2029-12-31T12:00:00.001Z");
    const [id] = await adapter.enqueue([newJob({ scheduledAt })]);
    expect((await adapter.getJob(id!))!.scheduledAt).toEqual(scheduledAt);
  });

  for (const [label, mode] of [
    ["non-strict", ""],
    [
      "strict, ANSI and escaping-hostile",
      "STRICT_ALL_TABLES,ANSI,NO_BACKSLASH_ESCAPES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO",
    ],
  ] as const) {
    it(`works the same with a ${label} sql_mode`, async () => {
      const pool = await callerPool([`SET SESSION sql_mode = '${mode}'`]);
      const adapter = await adapterOnPool(pool);
      const [[session]] = (await pool.query("SELECT @@session.sql_mode AS m")) as unknown as [
        { m: string }[],
      ];
      expect(session!.m.includes("STRICT")).toBe(mode.includes("STRICT"));
      await exerciseQueue(adapter);
    });
  }

  it("evaluates claim assignments the same under MariaDB's SIMULTANEOUS_ASSIGNMENT", async () => {
    const [[server]] = (await (await callerPool()).query("SELECT VERSION() AS v")) as unknown as [
      { v: string }[],
    ];
    if (!server!.v.includes("MariaDB")) return; // MySQL has no such mode
    const pool = await callerPool([
      "SET SESSION sql_mode = CONCAT(@@sql_mode, ',SIMULTANEOUS_ASSIGNMENT')",
    ]);
    const adapter = await adapterOnPool(pool);
    await exerciseQueue(adapter);
  });

  it("rejects a payload above max_allowed_packet with a clear error and writes nothing", async () => {
    const adapter = await harness.create();
    const [{ limit }] = (await sql<{ limit: number | string }>(
      "SELECT @@max_allowed_packet AS `limit`",
    )) as [{ limit: number | string }];
    const big = JSON.stringify({ blob: "x".repeat(Number(limit) + 1024 * 1024) });
    const error = await adapter.enqueue([newJob({ dataJson: big })]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocketError);
    expect(error).toMatchObject({ code: "invalid_argument", field: "data" });
    expect((error as Error).message).toMatch(/max_allowed_packet/);
    // In a batch, one oversized job stops the whole batch before anything is sent.
    const batch = [newJob(), newJob({ dataJson: big }), newJob()];
    await expect(adapter.enqueue(batch)).rejects.toMatchObject({ code: "invalid_argument" });
    const rows = await sql<{ n: number }>(`SELECT COUNT(*) AS n FROM ${tableOf(adapter)}`);
    expect(Number(rows[0]!.n)).toBe(0);
    // The adapter still works afterwards.
    expect(await adapter.enqueue([newJob()])).toHaveLength(1);
  });

  it("splits a batch larger than one packet into statements of one transaction", async () => {
    const adapter = await harness.create();
    const [{ limit }] = (await sql<{ limit: number | string }>(
      "SELECT @@max_allowed_packet AS `limit`",
    )) as [{ limit: number | string }];
    // Three payloads of ~40% of the packet each: at least two statements.
    const size = Math.floor(Number(limit) * 0.4);
    const jobs = [0, 1, 2].map((i) =>
      newJob({ dataJson: JSON.stringify({ i, pad: "y".repeat(size) }) }),
    );
    const ids = await adapter.enqueue(jobs);
    expect(ids).toHaveLength(3);
    for (const [i, id] of ids.entries()) {
      expect(((await adapter.getJob(id))!.data as { i: number }).i).toBe(i);
    }
  });

  it("round-trips 4-byte characters in names, data, errors and cron expressions", async () => {
    const adapter = await harness.create();
    const name = "🚀 job 𝒳";
    const [id] = await adapter.enqueue([newJob({ name, dataJson: '{"k":"🦄😀𠜎"}' })]);
    const { jobs } = await adapter.claim(claimRequest({ names: [name], leaseToken: "w:🙂" }));
    expect(jobs[0]!.lockedBy).toBe("w:🙂");
    await adapter.complete([outcome(id!, "w:🙂", { kind: "retry", error: "failed 💥 𝔢𝔯𝔯" })]);
    const job = (await adapter.getJob(id!))!;
    expect(job).toMatchObject({ name, data: { k: "🦄😀𠜎" }, lastError: "failed 💥 𝔢𝔯𝔯" });
  });

  it("creates a new table once when ten adapters migrate it at the same time", async () => {
    const tableName = uniqueTableName();
    const adapters = await Promise.all(
      Array.from({ length: 10 }, () => adapterOnUri({ tableName, poolSize: 1 }).catch((e) => e)),
    );
    for (const adapter of adapters) expect(adapter).not.toBeInstanceOf(Error);
    const versions = await sql<{ version: number }>(`SELECT version FROM ${tableName}_migrations`);
    expect(versions.map((row) => Number(row.version)).sort((a, b) => a - b)).toEqual(
      SCHEMA_MIGRATIONS.map((migration) => migration.version),
    );
    const indexes = await sql<{ Key_name: string }>(`SHOW INDEX FROM ${tableName}`);
    expect(new Set(indexes.map((row) => row.Key_name))).toEqual(
      new Set([
        "PRIMARY",
        `${tableName}_claim_idx`,
        `${tableName}_cron_pending_idx`,
        `${tableName}_finished_idx`,
        `${tableName}_name_id_idx`,
      ]),
    );
    // The named lock is free again.
    const locks = await sql<{ used: number | null }>(
      "SELECT IS_USED_LOCK(CONCAT('docket:', SHA1(CONCAT(DATABASE(), '.', ?)))) AS used",
      [tableName],
    );
    expect(locks[0]!.used).toBeNull();
  });

  it("syncs cron from ten adapters at once to exactly one pending row per name", async () => {
    const tableName = uniqueTableName();
    const adapters = await Promise.all(
      Array.from({ length: 10 }, () => adapterOnUri({ tableName, poolSize: 1 })),
    );
    const names = ["alpha", "beta", "gamma", "Alpha"];
    await Promise.all(
      adapters.map((adapter, i) =>
        adapter.syncCron(
          names.map((name) =>
            cronDefinition(name, { nextRunAt: new Date(Date.now() + (i + 1) * MINUTE) }),
          ),
        ),
      ),
    );
    const rows = await sql<{ name: string; n: number }>(
      `SELECT name, COUNT(*) AS n FROM ${tableName} GROUP BY name ORDER BY name`,
    );
    expect(rows.map((row) => [row.name, Number(row.n)])).toEqual([
      ["Alpha", 1],
      ["alpha", 1],
      ["beta", 1],
      ["gamma", 1],
    ]);
  });

  /** A little of everything, checked value by value. */
  async function exerciseQueue(adapter: StorageAdapter): Promise<void> {
    const hostile = JSON.stringify({ s: "it's a \\'quoted\\' \"string\" \\\\ with || and --" });
    const [a, b, c, d] = await adapter.enqueue([
      newJob({ dataJson: hostile, priority: 1 }),
      newJob({ priority: 2 }),
      newJob({ priority: 3 }),
      newJob({ priority: 4, scheduledAt: new Date(Date.now() + HOUR) }),
    ]);
    expect(JSON.stringify((await adapter.getJob(a!))!.data)).toBe(hostile);
    const first = await adapter.claim(claimRequest({ leaseToken: "w:1", leaseMs: 100, limit: 2 }));
    expect(first.jobs.map((job) => job.id)).toEqual([a, b]);
    await delay(250);
    const second = await adapter.claim(claimRequest({ leaseToken: "w:2", limit: 5 }));
    expect(second.jobs.map((job) => job.id)).toEqual([a, b, c]);
    expect(second.jobs[0]).toMatchObject({
      retryCount: 1,
      lastError: LEASE_EXPIRED_ERROR,
      lockedBy: "w:2",
    });
    expect(second.jobs[2]).toMatchObject({ retryCount: 0, lastError: null, lockedBy: "w:2" });
    expect(await adapter.getJob(a!)).toEqual(second.jobs[0]);
    expect(await adapter.getJob(c!)).toEqual(second.jobs[2]);
    expect(await adapter.heartbeat([{ id: a!, leaseToken: "w:1" }], MINUTE)).toEqual([a]);
    const result = await adapter.complete([
      outcome(a!, "w:2"),
      outcome(b!, "w:2", { kind: "failed", error: "it's \\ bad" }),
      outcome(c!, "w:2", { kind: "retry", error: "again", retryDelayMs: MINUTE }),
    ]);
    expect(result).toEqual({ recorded: [a, b, c], lost: [] });
    expect((await adapter.getJob(b!))!.lastError).toBe("it's \\ bad");
    await adapter.syncCron([cronDefinition("cron's")]);
    expect(await adapter.listJobs({ name: "cron's", limit: 5 })).toHaveLength(1);
    expect(await adapter.insights()).toEqual({
      pendingCount: 0,
      scheduledCount: 3,
      runningCount: 0,
      failedCount: 1,
    });
    expect((await adapter.listJobs({ state: "failed", limit: 5 })).map((job) => job.id)).toEqual([
      b,
    ]);
    expect(
      await adapter.cleanup({ completedBefore: new Date(Date.now() + MINUTE), limit: 10 }),
    ).toBe(2);
    expect(d).toBeDefined();
  }
});
