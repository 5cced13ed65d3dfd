import type { StorageAdapter } from "@docket/core";
import { LEASE_EXPIRED_ERROR, SCHEMA_MIGRATIONS } from "@docket/core/adapter";
import { expect, it } from "vitest";
import {
  claimRequest,
  cronDefinition,
  describeMysql,
  newJob,
  outcome,
  setupMysql,
  tableOf,
} from "./mysql-test-helpers.ts";

const MINUTE = 60_000;
const HOUR = 3_600_000;

describeMysql("mysql adapter seam", () => {
  const { harness, sql, exec } = setupMysql();
  const queue = () => harness.create();
  const ago = (ms: number) => new Date(Date.now() - ms);
  const ahead = (ms: number) => new Date(Date.now() + ms);

  it("stores every field of a job and reads it back unchanged", async () => {
    const adapter = await queue();
    const scheduledAt = new Date("2031-02-03T04:05:06.789Z");
    const data = { text: "plain", nested: { list: [1, 2.5, null, true] }, ["__proto__"]: { x: 1 } };
    const dataJson = JSON.stringify(data);
    const [id] = await adapter.enqueue([
      newJob({ name: "full", dataJson, priority: 7, scheduledAt, handlerTimeout: 1234 }),
    ]);
    const job = await adapter.getJob(id!);
    expect(job).toMatchObject({
      id,
      name: "full",
      priority: 7,
      scheduledAt,
      handlerTimeout: 1234,
      retryCount: 0,
      isComplete: false,
      lockedBy: null,
      lockedUntil: null,
      lastError: null,
      completedAt: null,
      failedAt: null,
      cronExpression: null,
    });
    expect(JSON.stringify(job!.data)).toBe(dataJson);
    expect(Object.hasOwn(job!.data as object, "__proto__")).toBe(true);
    expect(job!.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(job!.createdAt.getTime() - Date.now())).toBeLessThan(MINUTE);
    expect(job!.updatedAt.getTime()).toBe(job!.createdAt.getTime());
    expect(await adapter.getJob(id! + 1000)).toBeNull();
  });

  it("schedules a job without scheduledAt at the database's now", async () => {
    const adapter = await queue();
    const before = await adapter.now();
    const [id] = await adapter.enqueue([newJob()]);
    const after = await adapter.now();
    const job = (await adapter.getJob(id!))!;
    expect(job.scheduledAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(job.scheduledAt.getTime()).toBeLessThanOrEqual(after.getTime());
    expect(job.createdAt.getTime()).toBe(job.scheduledAt.getTime());
  });

  it("returns batch ids in input order, as numbers, past 2^31 (and timeouts past 2^31 ms)", async () => {
    const adapter = await queue();
    await exec(`ALTER TABLE ${tableOf(adapter)} AUTO_INCREMENT = 3000000000`);
    const ids = await adapter.enqueue(
      Array.from({ length: 25 }, (_, i) =>
        newJob({ dataJson: JSON.stringify({ i }), handlerTimeout: 2 ** 31 + i }),
      ),
    );
    expect(ids).toHaveLength(25);
    expect(ids[0]).toBeGreaterThanOrEqual(3_000_000_000);
    for (const [i, id] of ids.entries()) {
      expect(typeof id).toBe("number");
      const job = (await adapter.getJob(id))!;
      expect(job.id).toBe(id);
      expect(job.data).toEqual({ i });
      expect(job.handlerTimeout).toBe(2 ** 31 + i);
    }
    const { jobs } = await adapter.claim(claimRequest({ limit: 30 }));
    expect(jobs.map((job) => job.id)).toEqual(ids);
    const result = await adapter.complete(jobs.map((job) => outcome(job.id, job.lockedBy!)));
    expect(result).toEqual({ recorded: ids, lost: [] });
  });

  it("round-trips unicode outside the BMP, exotic JSON and hostile strings exactly", async () => {
    const adapter = await queue();
    const dataJson = JSON.stringify({
      emoji: "🎉👩‍👩‍👧‍👦🏳️‍🌈",
      astral: "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 🀄",
      cjk: "日本語テキスト",
      combining: "e\u0301 vs é",
      quotes: `'"\\\`; DROP TABLE x; --`,
      spaces: "  padded  ",
      numbers: [1e21, -0.5, 1234567890123456],
    });
    const [id] = await adapter.enqueue([newJob({ name: "名前🎉", dataJson })]);
    const job = (await adapter.getJob(id!))!;
    expect(job.name).toBe("名前🎉");
    expect(JSON.stringify(job.data)).toBe(dataJson);
    const raw = await sql<{ data: string }>(`SELECT data FROM ${tableOf(adapter)} WHERE id = ?`, [
      id,
    ]);
    expect(raw[0]!.data).toBe(dataJson);
  });

  it("compares names exactly: case, accents and trailing spaces matter", async () => {
    const adapter = await queue();
    const names = ["a", "A", "á", "a ", "ａ"];
    const ids = await adapter.enqueue(names.map((name) => newJob({ name })));
    for (const [i, name] of names.entries()) {
      const { jobs } = await adapter.claim(claimRequest({ names: [name] }));
      expect(jobs.map((job) => job.id)).toEqual([ids[i]]);
      expect(jobs[0]!.name).toBe(name);
    }
    const listed = await adapter.listJobs({ name: "a", limit: 10 });
    expect(listed.map((job) => job.id)).toEqual([ids[0]]);
  });

  it("claims in priority, then scheduledAt, then id order", async () => {
    const adapter = await queue();
    const ids = await adapter.enqueue([
      newJob({ priority: 5, scheduledAt: ago(1_000) }),
      newJob({ priority: 1, scheduledAt: ago(1_000) }),
      newJob({ priority: 5, scheduledAt: ago(5_000) }),
      newJob({ priority: 1, scheduledAt: ago(1_000) }),
      newJob({ priority: 0, scheduledAt: ago(10) }),
    ]);
    const { jobs } = await adapter.claim(claimRequest({ limit: 3 }));
    expect(jobs.map((job) => job.id)).toEqual([ids[4], ids[1], ids[3]]);
    const rest = await adapter.claim(claimRequest({ limit: 10 }));
    expect(rest.jobs.map((job) => job.id)).toEqual([ids[2], ids[0]]);
    const unsorted = await queue();
    const more = await unsorted.enqueue([newJob(), newJob(), newJob()]);
    const any = await unsorted.claim(claimRequest({ ignoreSorting: true }));
    expect(any.jobs.map((job) => job.id).sort()).toEqual([...more].sort());
  });

  it("claims across many distinct priorities, also past the priority-list cap", async () => {
    const adapter = await queue();
    const priorities = Array.from({ length: 70 }, (_, i) => 69 - i);
    const ids = await adapter.enqueue(priorities.map((priority) => newJob({ priority })));
    const { jobs } = await adapter.claim(claimRequest({ limit: 100 }));
    expect(jobs.map((job) => job.priority)).toEqual([...priorities].reverse());
    expect(jobs.map((job) => job.id)).toEqual([...ids].reverse());
    const few = await queue();
    const some = await few.enqueue([newJob({ priority: 3 }), newJob({ priority: 1 })]);
    const claimed = await few.claim(claimRequest({ limit: 1 }));
    expect(claimed.jobs.map((job) => job.id)).toEqual([some[1]]);
  });

  it("leases claimed jobs at the database clock and returns that clock", async () => {
    const adapter = await queue();
    const [id] = await adapter.enqueue([newJob()]);
    const token = "w:1";
    const { jobs, now } = await adapter.claim(claimRequest({ leaseToken: token, leaseMs: 90_000 }));
    expect(Math.abs(now.getTime() - Date.now())).toBeLessThan(MINUTE);
    expect(jobs).toHaveLength(1);
    const stored = (await adapter.getJob(id!))!;
    expect(jobs[0]).toEqual(stored);
    expect(stored.lockedBy).toBe(token);
    expect(stored.lockedUntil!.getTime()).toBe(now.getTime() + 90_000);
    expect(stored.updatedAt.getTime()).toBe(now.getTime());
    const empty = await adapter.claim(claimRequest());
    expect(empty.jobs).toEqual([]);
    expect(empty.now).toBeInstanceOf(Date);
  });

  it("never hands a job to two concurrent claimers", async () => {
    const adapter = await queue();
    const other = await harness.reopen(adapter);
    const ids = await adapter.enqueue(Array.from({ length: 200 }, () => newJob()));
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? adapter : other).claim(claimRequest({ limit: 25 })),
      ),
    );
    const claimed = claims.flatMap((claim) => claim.jobs.map((job) => job.id));
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.length).toBeGreaterThan(0);
    // Whatever a claim skipped (locked by a concurrent one) is still there for the next.
    const rest = await adapter.claim(claimRequest({ limit: 200 }));
    const all = [...claimed, ...rest.jobs.map((job) => job.id)];
    expect(all.sort((a, b) => a - b)).toEqual(ids);
  });

  it("skips future, complete, leased, exhausted and unlisted jobs", async () => {
    const adapter = await queue();
    const t = tableOf(adapter);
    const [future, complete, leased, exhausted, other, eligible] = await adapter.enqueue([
      newJob({ scheduledAt: ahead(HOUR) }),
      newJob(),
      newJob(),
      newJob(),
      newJob({ name: "other" }),
      newJob(),
    ]);
    await exec(`UPDATE ${t} SET is_complete = 1, completed_at = UTC_TIMESTAMP(3) WHERE id = ?`, [
      complete,
    ]);
    await exec(
      `UPDATE ${t} SET locked_by = 'x:1', locked_until = UTC_TIMESTAMP(3) + INTERVAL 1 HOUR WHERE id = ?`,
      [leased],
    );
    await exec(`UPDATE ${t} SET retry_count = 3 WHERE id = ?`, [exhausted]);
    const { jobs } = await adapter.claim(claimRequest({ limit: 10, maxRetryCount: 3 }));
    expect(jobs.map((job) => job.id)).toEqual([eligible]);
    expect(future && other).toBeTruthy();
  });

  it("takes over an expired lease, counting the lost attempt as a failure", async () => {
    const adapter = await queue();
    const [id] = await adapter.enqueue([newJob()]);
    await adapter.claim(claimRequest({ leaseToken: "dead:1", leaseMs: 50 }));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const { jobs } = await adapter.claim(claimRequest({ leaseToken: "alive:1" }));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      id,
      retryCount: 1,
      lastError: LEASE_EXPIRED_ERROR,
      lockedBy: "alive:1",
    });
    expect(await adapter.getJob(id!)).toEqual(jobs[0]);
    // The stale worker's outcome is refused.
    expect(await adapter.complete([outcome(id!, "dead:1")])).toEqual({ recorded: [], lost: [id] });
  });

  it("extends live leases on heartbeat and reports lost ones", async () => {
    const adapter = await queue();
    const [a, b, c] = await adapter.enqueue([newJob(), newJob(), newJob()]);
    const { jobs } = await adapter.claim(claimRequest({ leaseToken: "w:1", leaseMs: 5_000 }));
    expect(jobs).toHaveLength(3);
    await adapter.complete([outcome(c!, "w:1")]);
    const before = (await adapter.getJob(a!))!.lockedUntil!;
    const lost = await adapter.heartbeat(
      [
        { id: a!, leaseToken: "w:1" },
        { id: b!, leaseToken: "w:other" },
        { id: c!, leaseToken: "w:1" },
        { id: 999_999, leaseToken: "w:1" },
      ],
      HOUR,
    );
    expect(lost.sort((x, y) => x - y)).toEqual([b, c, 999_999]);
    const after = (await adapter.getJob(a!))!.lockedUntil!;
    expect(after.getTime()).toBeGreaterThan(before.getTime() + 30 * MINUTE);
    expect((await adapter.getJob(b!))!.lockedUntil!.getTime()).toBeLessThan(Date.now() + MINUTE);
    expect(await adapter.heartbeat([{ id: a!, leaseToken: "w:1" }], HOUR)).toEqual([]);
    expect(await adapter.heartbeat([], HOUR)).toEqual([]);
  });

  it("records results only under the current lease; a stale token changes nothing", async () => {
    const adapter = await queue();
    const [id] = await adapter.enqueue([newJob()]);
    await adapter.claim(claimRequest({ leaseToken: "w:1" }));
    const before = await adapter.getJob(id!);
    const stale = await adapter.complete([outcome(id!, "w:0", { kind: "failed", error: "nope" })]);
    expect(stale).toEqual({ recorded: [], lost: [id] });
    expect(await adapter.getJob(id!)).toEqual(before);
    expect(await adapter.complete([outcome(id!, "w:1")])).toEqual({ recorded: [id], lost: [] });
    const done = (await adapter.getJob(id!))!;
    expect(done).toMatchObject({
      isComplete: true,
      lockedBy: null,
      lockedUntil: null,
      failedAt: null,
    });
    expect(done.completedAt).toBeInstanceOf(Date);
    // Finished: the same token cannot record again.
    expect(await adapter.complete([outcome(id!, "w:1")])).toEqual({ recorded: [], lost: [id] });
  });

  it("retries with and without a delay, and records several kinds in one call", async () => {
    const adapter = await queue();
    const [now, later, ok, gaveUp] = await adapter.enqueue([
      newJob(),
      newJob(),
      newJob(),
      newJob(),
    ]);
    const { jobs } = await adapter.claim(claimRequest({ leaseToken: "w:1" }));
    const scheduledBefore = jobs.find((job) => job.id === now)!.scheduledAt;
    const result = await adapter.complete([
      outcome(now!, "w:1", { kind: "retry", error: "boom 1" }),
      outcome(later!, "w:1", { kind: "retry", error: "boom 2", retryDelayMs: 10 * MINUTE }),
      outcome(ok!, "w:1"),
      outcome(gaveUp!, "w:1", { kind: "failed", error: "final" }),
    ]);
    expect(result.recorded.sort((a, b) => a - b)).toEqual([now, later, ok, gaveUp]);
    const retried = (await adapter.getJob(now!))!;
    expect(retried).toMatchObject({
      retryCount: 1,
      lastError: "boom 1",
      isComplete: false,
      lockedBy: null,
    });
    expect(retried.scheduledAt).toEqual(scheduledBefore);
    const delayed = (await adapter.getJob(later!))!;
    expect(delayed).toMatchObject({ retryCount: 1, lastError: "boom 2", isComplete: false });
    expect(delayed.scheduledAt.getTime()).toBeGreaterThan(Date.now() + 8 * MINUTE);
    const failed = (await adapter.getJob(gaveUp!))!;
    expect(failed).toMatchObject({ retryCount: 1, lastError: "final", isComplete: true });
    expect(failed.failedAt).toBeInstanceOf(Date);
    expect(failed.completedAt).toEqual(failed.failedAt);
    expect((await adapter.getJob(ok!))!.failedAt).toBeNull();
    const next = await adapter.claim(claimRequest());
    expect(next.jobs.map((job) => job.id)).toEqual([now]);
  });

  it("finishes an abandoned job as failed without counting another attempt", async () => {
    const adapter = await queue();
    const [id] = await adapter.enqueue([newJob()]);
    await adapter.claim(claimRequest({ leaseToken: "dead:1", leaseMs: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { jobs } = await adapter.claim(claimRequest({ leaseToken: "w:2", maxRetryCount: 2 }));
    expect(jobs[0]).toMatchObject({ retryCount: 1, lastError: LEASE_EXPIRED_ERROR });
    await adapter.complete([outcome(id!, "w:2", { kind: "abandoned", error: null })]);
    const job = (await adapter.getJob(id!))!;
    expect(job).toMatchObject({ isComplete: true, retryCount: 1, lastError: LEASE_EXPIRED_ERROR });
    expect(job.failedAt).toBeInstanceOf(Date);
  });

  it("deletes finished jobs with deleteOnFinish, but keeps retried ones", async () => {
    const adapter = await queue();
    const [a, b, c, d] = await adapter.enqueue([newJob(), newJob(), newJob(), newJob()]);
    await adapter.claim(claimRequest({ leaseToken: "w:1" }));
    const result = await adapter.complete([
      outcome(a!, "w:1", { deleteOnFinish: true }),
      outcome(b!, "w:1", { kind: "failed", error: "x", deleteOnFinish: true }),
      outcome(c!, "w:1", { kind: "retry", error: "y", deleteOnFinish: true }),
      outcome(d!, "w:1", { kind: "abandoned", deleteOnFinish: true }),
    ]);
    expect(result.lost).toEqual([]);
    expect(await adapter.getJob(a!)).toBeNull();
    expect(await adapter.getJob(b!)).toBeNull();
    expect(await adapter.getJob(d!)).toBeNull();
    expect(await adapter.getJob(c!)).toMatchObject({ retryCount: 1, isComplete: false });
  });

  it("inserts a finished cron job's successor once, never a second pending row", async () => {
    const adapter = await queue();
    await adapter.syncCron([cronDefinition("tick", { nextRunAt: ago(1_000) })]);
    const { jobs } = await adapter.claim(claimRequest({ names: ["tick"], leaseToken: "w:1" }));
    expect(jobs).toHaveLength(1);
    const successor = cronDefinition("tick", { nextRunAt: ahead(HOUR) });
    await adapter.complete([outcome(jobs[0]!.id, "w:1", { cronSuccessor: successor })]);
    // A stale duplicate outcome must not add another row.
    await adapter.complete([outcome(jobs[0]!.id, "w:1", { cronSuccessor: successor })]);
    const rows = await adapter.listJobs({ name: "tick", limit: 10 });
    expect(rows).toHaveLength(2);
    const pending = rows.filter((job) => !job.isComplete);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({
      cronExpression: "0 * * * *",
      priority: 4,
      scheduledAt: successor.nextRunAt,
    });
  });

  it("skips the successor when a pending cron row exists, and adds one for two outcomes of a name", async () => {
    const adapter = await queue();
    const t = tableOf(adapter);
    // Two finished-able rows of the same cron name: one pending cron row, one normal job
    // turned into a cron row by hand so that both can be claimed at once.
    await adapter.syncCron([cronDefinition("c", { nextRunAt: ago(1_000) })]);
    const [extra] = await adapter.enqueue([newJob({ name: "c" })]);
    const { jobs } = await adapter.claim(claimRequest({ names: ["c"], leaseToken: "w:1" }));
    expect(jobs).toHaveLength(2);
    const successor = cronDefinition("c", { nextRunAt: ahead(HOUR) });
    const result = await adapter.complete(
      jobs.map((job) => outcome(job.id, "w:1", { cronSuccessor: successor })),
    );
    expect(result.recorded).toHaveLength(2);
    const pending = await sql(`SELECT id FROM ${t} WHERE name = 'c' AND is_complete = 0`);
    expect(pending).toHaveLength(1);
    expect(extra).toBeDefined();
  });

  it("syncs cron rows: removes unknown, leaves unchanged alone, re-times changed, keeps normal jobs", async () => {
    const adapter = await queue();
    const first = ahead(HOUR);
    await adapter.syncCron([
      cronDefinition("keep", { nextRunAt: first }),
      cronDefinition("change", { nextRunAt: first }),
      cronDefinition("drop", { nextRunAt: first }),
    ]);
    const [normal] = await adapter.enqueue([newJob({ name: "drop" }), newJob({ name: "keep" })]);
    const keepBefore = (await adapter.listJobs({ name: "keep", limit: 5 })).find(
      (j) => j.cronExpression,
    )!;
    const second = ahead(2 * HOUR);
    await adapter.syncCron([
      cronDefinition("keep", { nextRunAt: second }),
      cronDefinition("change", { nextRunAt: second, cronExpression: "*/5 * * * *", priority: 2 }),
    ]);
    const keep = await adapter.listJobs({ name: "keep", limit: 5 });
    expect(keep.find((job) => job.cronExpression !== null)).toEqual(keepBefore);
    expect(keep.filter((job) => job.cronExpression === null)).toHaveLength(1);
    const [changed] = await adapter.listJobs({ name: "change", limit: 5 });
    expect(changed).toMatchObject({
      cronExpression: "*/5 * * * *",
      priority: 2,
      scheduledAt: second,
    });
    expect((changed!.data as { cronExpression: string }).cronExpression).toBe("*/5 * * * *");
    const dropped = await adapter.listJobs({ name: "drop", limit: 5 });
    expect(dropped.map((job) => job.id)).toEqual([normal]);
    await adapter.syncCron([]);
    expect(await adapter.listJobs({ name: "keep", limit: 5 })).toHaveLength(1);
  });

  it("ends with exactly one pending row per name after 10 concurrent syncCron calls", async () => {
    const adapter = await queue();
    const others = await Promise.all(Array.from({ length: 4 }, () => harness.reopen(adapter)));
    const all: StorageAdapter[] = [adapter, ...others];
    const definitions = ["a", "b", "c"].map((name) => cronDefinition(name));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => all[i % all.length]!.syncCron(definitions)),
    );
    const rows = await sql<{ name: string; n: number }>(
      `SELECT name, COUNT(*) AS n FROM ${tableOf(adapter)} WHERE is_complete = 0 GROUP BY name ORDER BY name`,
    );
    expect(rows.map((row) => [row.name, Number(row.n)])).toEqual([
      ["a", 1],
      ["b", 1],
      ["c", 1],
    ]);
  });

  it("cleans up only finished rows older than the cut-off, respecting limit", async () => {
    const adapter = await queue();
    const t = tableOf(adapter);
    const ids = await adapter.enqueue(Array.from({ length: 6 }, () => newJob()));
    await exec(
      `UPDATE ${t} SET is_complete = 1, completed_at = UTC_TIMESTAMP(3) - INTERVAL 10 DAY WHERE id IN (?, ?, ?, ?)`,
      ids.slice(0, 4),
    );
    await exec(`UPDATE ${t} SET is_complete = 1, completed_at = UTC_TIMESTAMP(3) WHERE id = ?`, [
      ids[4],
    ]);
    const cutOff = ago(5 * 24 * HOUR);
    expect(await adapter.cleanup({ completedBefore: cutOff, limit: 3 })).toBe(3);
    expect(await adapter.cleanup({ completedBefore: cutOff, limit: 3 })).toBe(1);
    expect(await adapter.cleanup({ completedBefore: cutOff, limit: 3 })).toBe(0);
    const left = await sql<{ id: number }>(`SELECT id FROM ${t} ORDER BY id`);
    expect(left.map((row) => Number(row.id))).toEqual(ids.slice(4));
  });

  it("counts due, scheduled, running and failed jobs", async () => {
    const adapter = await queue();
    expect(await adapter.insights()).toEqual({
      pendingCount: 0,
      scheduledCount: 0,
      runningCount: 0,
      failedCount: 0,
    });
    const [, , failing] = await adapter.enqueue([
      newJob(),
      newJob({ name: "run" }),
      newJob({ name: "fail" }),
      newJob({ scheduledAt: ahead(HOUR) }),
      newJob({ scheduledAt: ahead(HOUR) }),
    ]);
    await adapter.claim(claimRequest({ names: ["run"] }));
    const { jobs } = await adapter.claim(claimRequest({ names: ["fail"], leaseToken: "f:1" }));
    await adapter.complete([outcome(failing!, jobs[0]!.lockedBy!, { kind: "failed", error: "x" })]);
    expect(await adapter.insights()).toEqual({
      pendingCount: 2,
      scheduledCount: 2,
      runningCount: 1,
      failedCount: 1,
    });
  });

  it("lists jobs by state, name and limit, newest first", async () => {
    const adapter = await queue();
    const [pending, scheduled, running, completed, failed] = await adapter.enqueue([
      newJob({ name: "p" }),
      newJob({ name: "s", scheduledAt: ahead(HOUR) }),
      newJob({ name: "r" }),
      newJob({ name: "c" }),
      newJob({ name: "f" }),
    ]);
    await adapter.claim(claimRequest({ names: ["r"] }));
    await adapter.claim(claimRequest({ names: ["c", "f"], leaseToken: "w:9" }));
    await adapter.complete([
      outcome(completed!, "w:9"),
      outcome(failed!, "w:9", { kind: "failed", error: "e" }),
    ]);
    const ids = async (query: Parameters<StorageAdapter["listJobs"]>[0]) =>
      (await adapter.listJobs(query)).map((job) => job.id);
    expect(await ids({ state: "pending", limit: 10 })).toEqual([pending]);
    expect(await ids({ state: "scheduled", limit: 10 })).toEqual([scheduled]);
    expect(await ids({ state: "running", limit: 10 })).toEqual([running]);
    expect(await ids({ state: "completed", limit: 10 })).toEqual([completed]);
    expect(await ids({ state: "failed", limit: 10 })).toEqual([failed]);
    expect(await ids({ limit: 10 })).toEqual([failed, completed, running, scheduled, pending]);
    expect(await ids({ limit: 2 })).toEqual([failed, completed]);
    expect(await ids({ name: "r", limit: 10 })).toEqual([running]);
    expect(await ids({ name: "r", state: "pending", limit: 10 })).toEqual([]);
  });

  it("migrates twice and ten times at once without harm", async () => {
    const adapter = await queue();
    await adapter.migrate();
    const others = await Promise.all(Array.from({ length: 9 }, () => harness.reopen(adapter)));
    await Promise.all([adapter, ...others].map((a) => a.migrate()));
    const versions = await sql<{ version: number }>(
      `SELECT version FROM ${tableOf(adapter)}_migrations`,
    );
    expect(versions.map((row) => Number(row.version)).sort((a, b) => a - b)).toEqual(
      SCHEMA_MIGRATIONS.map((migration) => migration.version),
    );
  });

  it("adds a job through withTransaction only if the application's transaction commits", async () => {
    const adapter = await queue();
    let rolledBack: number[] = [];
    await harness.inNativeTransaction(
      adapter,
      async (bound) => {
        expect(bound.queueKey).toBe(adapter.queueKey);
        rolledBack = await bound.enqueue([newJob({ name: "rb" }), newJob({ name: "rb" })]);
      },
      { rollback: true },
    );
    expect(rolledBack).toHaveLength(2);
    expect(await adapter.getJob(rolledBack[0]!)).toBeNull();
    let committed: number[] = [];
    await harness.inNativeTransaction(
      adapter,
      async (bound) => {
        committed = await bound.enqueue([newJob({ name: "ok" })]);
      },
      { rollback: false },
    );
    expect((await adapter.getJob(committed[0]!))!.name).toBe("ok");
    expect(() => adapter.withTransaction({})).toThrow(/connection/);
  });

  it("commits transaction(fn) with fn's result and rolls back when fn throws", async () => {
    const adapter = await queue();
    const result = await adapter.transaction(async (tx) => {
      const [id] = await tx.adapter.enqueue([newJob({ name: "in-tx" })]);
      await harness.writeMarker(adapter, tx.db, "committed");
      return id;
    });
    expect((await adapter.getJob(result!))!.name).toBe("in-tx");
    expect(await harness.countMarkers(adapter, "committed")).toBe(1);
    let inner: number | undefined;
    await expect(
      adapter.transaction(async (tx) => {
        [inner] = await tx.adapter.enqueue([newJob({ name: "in-tx" })]);
        await harness.writeMarker(adapter, tx.db, "rolled-back");
        throw new Error("handler failed");
      }),
    ).rejects.toThrow("handler failed");
    expect(await adapter.getJob(inner!)).toBeNull();
    expect(await harness.countMarkers(adapter, "rolled-back")).toBe(0);
  });

  it("records a completion inside transaction(fn) together with the handler's writes", async () => {
    const adapter = await queue();
    const [id] = await adapter.enqueue([newJob()]);
    await adapter.claim(claimRequest({ leaseToken: "w:1" }));
    await expect(
      adapter.transaction(async (tx) => {
        await tx.adapter.complete([outcome(id!, "w:1")]);
        throw new Error("after completing");
      }),
    ).rejects.toThrow("after completing");
    expect((await adapter.getJob(id!))!.isComplete).toBe(false);
    await adapter.transaction(async (tx) => tx.adapter.complete([outcome(id!, "w:1")]));
    expect((await adapter.getJob(id!))!.isComplete).toBe(true);
  });

  it("throws a closed error after close(), and close() is idempotent", async () => {
    const adapter = await queue();
    await adapter.close();
    await adapter.close();
    await expect(adapter.getJob(1)).rejects.toMatchObject({ code: "closed" });
    await expect(adapter.enqueue([newJob()])).rejects.toMatchObject({ code: "closed" });
  });
});
