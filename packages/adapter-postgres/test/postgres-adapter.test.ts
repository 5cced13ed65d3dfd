import { LEASE_EXPIRED_ERROR } from "@docket/core/adapter";
import { expect, it } from "vitest";
import {
  claimRequest,
  describePostgres,
  newJob,
  outcome,
  quoted,
  setupPostgres,
} from "./postgres-test-helpers.ts";

describePostgres("postgres adapter: enqueue, claim, heartbeat, complete", () => {
  const { harness, sql } = setupPostgres();

  it("stores every field of a job and reads it back unchanged", async () => {
    const adapter = await harness.create();
    const data = {
      text: "héllo 😀 𝄞 \u2028 \\ \" ' $1 ; DROP TABLE x; --",
      nested: { list: [1, 2.5, -3, null, true], empty: {} },
      // A computed key makes an own "__proto__" property, not a prototype.
      ["__proto__"]: { polluted: true },
    };
    const dataJson = JSON.stringify(data);
    const scheduledAt = new Date("2030-01-02T03:04:05.678Z");
    const before = await adapter.now();
    const [id] = await adapter.enqueue([
      newJob({ name: "naïve 名前 🚀", dataJson, priority: 7, scheduledAt, handlerTimeout: 1234 }),
    ]);
    const job = await adapter.getJob(id!);
    expect(job).not.toBeNull();
    expect(job!.id).toBe(id);
    expect(job!.name).toBe("naïve 名前 🚀");
    // Exactly as written, key order included.
    expect(JSON.stringify(job!.data)).toBe(dataJson);
    expect(Object.hasOwn(job!.data as object, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(job!.priority).toBe(7);
    expect(job!.scheduledAt).toEqual(scheduledAt);
    expect(job!.handlerTimeout).toBe(1234);
    expect(job!.retryCount).toBe(0);
    expect(job!.isComplete).toBe(false);
    expect(job!.createdAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(job!.updatedAt).toEqual(job!.createdAt);
    expect(job!.lockedBy).toBeNull();
    expect(job!.lockedUntil).toBeNull();
    expect(job!.lastError).toBeNull();
    expect(job!.completedAt).toBeNull();
    expect(job!.failedAt).toBeNull();
    expect(job!.cronExpression).toBeNull();
    expect(await adapter.getJob(id! + 1000)).toBeNull();
  });

  it("schedules a job without scheduledAt at the database's now", async () => {
    const adapter = await harness.create();
    const before = await adapter.now();
    const [id] = await adapter.enqueue([newJob()]);
    const after = await adapter.now();
    const job = await adapter.getJob(id!);
    expect(job!.scheduledAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(job!.scheduledAt.getTime()).toBeLessThanOrEqual(after.getTime());
  });

  it("returns batch ids in input order, as numbers, past 2^31 (and timeouts past 2^31 ms)", async () => {
    const adapter = await harness.create();
    await sql(`ALTER SEQUENCE "${adapter.queueKey.split("#")[1]}_id_seq" RESTART WITH 3000000000`);
    const jobs = Array.from({ length: 50 }, (_, i) => newJob({ name: `n${i}`, priority: i % 3 }));
    const ids = await adapter.enqueue(jobs);
    expect(ids).toHaveLength(50);
    expect(ids[0]).toBe(3_000_000_000);
    for (const [index, id] of ids.entries()) {
      expect(typeof id).toBe("number");
      const job = await adapter.getJob(id);
      expect(job!.name).toBe(`n${index}`);
    }
    const [long] = await adapter.enqueue([newJob({ handlerTimeout: 40 * 86_400_000 })]);
    expect((await adapter.getJob(long!))!.handlerTimeout).toBe(3_456_000_000);
    const claimed = await adapter.claim(
      claimRequest({ names: ["n1"], limit: 1, maxRetryCount: Number.MAX_SAFE_INTEGER }),
    );
    expect(claimed.jobs[0]!.id).toBe(ids[1]);
    const result = await adapter.complete([outcome(ids[1]!, claimed.jobs[0]!.lockedBy!)]);
    expect(result.recorded).toEqual([ids[1]]);
  });

  it("claims in priority, then scheduledAt, then id order", async () => {
    const adapter = await harness.create();
    const t = (seconds: number) => new Date(Date.now() - 100_000 + seconds * 1000);
    const ids = await adapter.enqueue([
      newJob({ priority: 5, scheduledAt: t(1) }), // 0
      newJob({ priority: 1, scheduledAt: t(3) }), // 1
      newJob({ priority: 1, scheduledAt: t(2) }), // 2
      newJob({ priority: 5, scheduledAt: t(1) }), // 3: ties with 0, later id
      newJob({ priority: 0, scheduledAt: t(9) }), // 4
    ]);
    const first = await adapter.claim(claimRequest({ limit: 3 }));
    expect(first.jobs.map((job) => job.id)).toEqual([ids[4], ids[2], ids[1]]);
    const rest = await adapter.claim(claimRequest({ limit: 10 }));
    expect(rest.jobs.map((job) => job.id)).toEqual([ids[0], ids[3]]);
    const unsorted = await adapter.claim(claimRequest({ ignoreSorting: true }));
    expect(unsorted.jobs).toEqual([]);
    expect(unsorted.now).toBeInstanceOf(Date);
  });

  it("leases claimed jobs at the database clock", async () => {
    const adapter = await harness.create();
    await adapter.enqueue([newJob()]);
    const request = claimRequest({ leaseMs: 30_000 });
    const { jobs, now } = await adapter.claim(request);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.lockedBy).toBe(request.leaseToken);
    expect(jobs[0]!.lockedUntil!.getTime()).toBe(now.getTime() + 30_000);
    expect(jobs[0]!.updatedAt).toEqual(now);
  });

  it("never hands a job to two concurrent claimers", async () => {
    const first = await harness.create();
    const second = await harness.reopen(first);
    const ids = await first.enqueue(Array.from({ length: 200 }, () => newJob()));
    const seen: number[] = [];
    const claimer = async (index: number) => {
      const adapter = index % 2 === 0 ? first : second;
      for (;;) {
        const { jobs } = await adapter.claim(claimRequest({ limit: 7 }));
        if (jobs.length === 0) return;
        seen.push(...jobs.map((job) => job.id));
      }
    };
    await Promise.all(Array.from({ length: 10 }, (_, i) => claimer(i)));
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(ids);
  });

  it("skips future, complete, leased, exhausted and unlisted jobs", async () => {
    const adapter = await harness.create();
    const [future, complete, leased, exhausted, unlisted, eligible] = await adapter.enqueue([
      newJob({ scheduledAt: new Date(Date.now() + 3_600_000) }),
      newJob(),
      newJob(),
      newJob(),
      newJob({ name: "other" }),
      newJob(),
    ]);
    const table = quoted(adapter);
    await sql(`UPDATE ${table} SET is_complete = true, completed_at = now() WHERE id = $1`, [
      complete,
    ]);
    await sql(
      `UPDATE ${table} SET locked_by = 'someone', locked_until = now() + interval '1 hour' WHERE id = $1`,
      [leased],
    );
    await sql(`UPDATE ${table} SET retry_count = 3 WHERE id = $1`, [exhausted]);
    const { jobs } = await adapter.claim(claimRequest({ maxRetryCount: 3 }));
    expect(jobs.map((job) => job.id)).toEqual([eligible]);
    expect([future, unlisted]).not.toContain(jobs[0]!.id);
  });

  it("takes over an expired lease, counting the lost attempt as a failure", async () => {
    const adapter = await harness.create();
    const [id] = await adapter.enqueue([newJob()]);
    const dead = await adapter.claim(claimRequest());
    await sql(`UPDATE ${quoted(adapter)} SET locked_until = now() - interval '1 second'`);
    const takeover = await adapter.claim(claimRequest());
    expect(takeover.jobs).toHaveLength(1);
    const job = takeover.jobs[0]!;
    expect(job.id).toBe(id);
    expect(job.retryCount).toBe(1);
    expect(job.lastError).toBe(LEASE_EXPIRED_ERROR);
    expect(job.lockedBy).not.toBe(dead.jobs[0]!.lockedBy);
    // The dead worker's late result is refused.
    const late = await adapter.complete([outcome(id!, dead.jobs[0]!.lockedBy!)]);
    expect(late).toEqual({ recorded: [], lost: [id] });
  });

  it("finishes, instead of leasing, a lease-expired job that reached maxRetryCount", async () => {
    const adapter = await harness.create();
    const [id, other] = await adapter.enqueue([newJob(), newJob()]);
    await adapter.claim(claimRequest({ limit: 1 }));
    await sql(
      `UPDATE ${quoted(adapter)} SET retry_count = 1, locked_until = now() - interval '1 second'
       WHERE id = ${id}`,
    );
    // The statement that meets it leases nothing; the next claim gets the other job.
    const first = await adapter.claim(claimRequest({ maxRetryCount: 2 }));
    expect(first).toMatchObject({ jobs: [], finished: [id] });
    expect(await adapter.getJob(id!)).toMatchObject({
      isComplete: true,
      retryCount: 2,
      lastError: LEASE_EXPIRED_ERROR,
    });
    const second = await adapter.claim(claimRequest({ maxRetryCount: 2 }));
    expect(second.jobs.map((job) => job.id)).toEqual([other]);
    expect(second.finished).toEqual([]);
  });

  it("extends live leases on heartbeat and reports lost ones", async () => {
    const adapter = await harness.create();
    const [a, b, c] = await adapter.enqueue([newJob(), newJob(), newJob()]);
    const { jobs, now } = await adapter.claim(claimRequest({ leaseMs: 1_000 }));
    const token = jobs[0]!.lockedBy!;
    await adapter.complete([outcome(c!, token)]);
    const lost = await adapter.heartbeat(
      [
        { id: a!, leaseToken: token },
        { id: b!, leaseToken: "stolen" },
        { id: c!, leaseToken: token },
        { id: 999_999, leaseToken: token },
      ],
      120_000,
    );
    expect(lost.sort((x, y) => x - y)).toEqual([b, c, 999_999]);
    const extended = await adapter.getJob(a!);
    expect(extended!.lockedUntil!.getTime()).toBeGreaterThanOrEqual(now.getTime() + 120_000);
    const untouched = await adapter.getJob(b!);
    expect(untouched!.lockedUntil!.getTime()).toBe(now.getTime() + 1_000);
  });

  it("records results only under the current lease; a stale token changes nothing", async () => {
    const adapter = await harness.create();
    const [id] = await adapter.enqueue([newJob()]);
    const { jobs } = await adapter.claim(claimRequest());
    const before = await adapter.getJob(id!);
    const stale = await adapter.complete([outcome(id!, "stale:1", { kind: "failed", error: "x" })]);
    expect(stale).toEqual({ recorded: [], lost: [id] });
    expect(await adapter.getJob(id!)).toEqual(before);
    const fresh = await adapter.complete([outcome(id!, jobs[0]!.lockedBy!)]);
    expect(fresh).toEqual({ recorded: [id], lost: [] });
    const done = await adapter.getJob(id!);
    expect(done!.isComplete).toBe(true);
    expect(done!.completedAt).not.toBeNull();
    expect(done!.failedAt).toBeNull();
    expect(done!.lockedBy).toBeNull();
    expect(done!.lockedUntil).toBeNull();
    // Finished: the same lease cannot record a second outcome.
    const again = await adapter.complete([outcome(id!, jobs[0]!.lockedBy!, { kind: "failed" })]);
    expect(again.lost).toEqual([id]);
  });

  it("retries with and without a delay", async () => {
    const adapter = await harness.create();
    const [delayed, immediate] = await adapter.enqueue([newJob(), newJob()]);
    const { jobs, now } = await adapter.claim(claimRequest());
    const token = jobs[0]!.lockedBy!;
    const originalSchedule = (await adapter.getJob(immediate!))!.scheduledAt;
    const result = await adapter.complete([
      outcome(delayed!, token, { kind: "retry", error: "boom", retryDelayMs: 60_000 }),
      outcome(immediate!, token, { kind: "retry", error: "bang" }),
    ]);
    expect(result.recorded.sort((x, y) => x - y)).toEqual([delayed, immediate]);
    const moved = await adapter.getJob(delayed!);
    expect(moved!.scheduledAt.getTime()).toBeGreaterThanOrEqual(now.getTime() + 60_000);
    expect(moved!.retryCount).toBe(1);
    expect(moved!.lastError).toBe("boom");
    expect(moved!.isComplete).toBe(false);
    expect(moved!.lockedBy).toBeNull();
    const stayed = await adapter.getJob(immediate!);
    expect(stayed!.scheduledAt).toEqual(originalSchedule);
    expect(stayed!.lastError).toBe("bang");
    const next = await adapter.claim(claimRequest());
    expect(next.jobs.map((job) => job.id)).toEqual([immediate]);
  });

  it("marks a job that gave up as failed", async () => {
    const adapter = await harness.create();
    const [id] = await adapter.enqueue([newJob()]);
    const { jobs } = await adapter.claim(claimRequest());
    await adapter.complete([outcome(id!, jobs[0]!.lockedBy!, { kind: "failed", error: "final" })]);
    const job = await adapter.getJob(id!);
    expect(job!.isComplete).toBe(true);
    expect(job!.failedAt).not.toBeNull();
    expect(job!.completedAt).toEqual(job!.failedAt);
    expect(job!.retryCount).toBe(1);
    expect(job!.lastError).toBe("final");
  });

  it("finishes an abandoned job as failed without counting another attempt", async () => {
    const adapter = await harness.create();
    const [id, gone] = await adapter.enqueue([newJob(), newJob()]);
    await adapter.claim(claimRequest());
    await sql(`UPDATE ${quoted(adapter)} SET locked_until = now() - interval '1 second'`);
    // A claim with attempts to spare leases them; `abandoned` is for a worker that has
    // none left (core's safety net for adapters that hand such jobs out).
    const { jobs } = await adapter.claim(claimRequest({ maxRetryCount: 2 }));
    expect(jobs.map((job) => job.retryCount)).toEqual([1, 1]);
    const token = jobs[0]!.lockedBy!;
    const result = await adapter.complete([
      outcome(id!, token, { kind: "abandoned", error: "ignored" }),
      outcome(gone!, token, { kind: "abandoned", deleteOnFinish: true }),
    ]);
    expect(result.recorded.sort((a, b) => a - b)).toEqual([id, gone]);
    const job = await adapter.getJob(id!);
    expect(job!.isComplete).toBe(true);
    expect(job!.retryCount).toBe(1);
    expect(job!.lastError).toBe(LEASE_EXPIRED_ERROR);
    expect(job!.failedAt).not.toBeNull();
    expect(job!.completedAt).toEqual(job!.failedAt);
    expect(await adapter.getJob(gone!)).toBeNull();
  });

  it("deletes finished jobs with deleteOnFinish, but keeps retried ones", async () => {
    const adapter = await harness.create();
    const [ok, bad, again] = await adapter.enqueue([newJob(), newJob(), newJob()]);
    const { jobs } = await adapter.claim(claimRequest());
    const token = jobs[0]!.lockedBy!;
    const result = await adapter.complete([
      outcome(ok!, token, { deleteOnFinish: true }),
      outcome(bad!, token, { kind: "failed", error: "e", deleteOnFinish: true }),
      outcome(again!, token, { kind: "retry", error: "e", deleteOnFinish: true }),
    ]);
    expect(result.recorded.sort((x, y) => x - y)).toEqual([ok, bad, again]);
    expect(await adapter.getJob(ok!)).toBeNull();
    expect(await adapter.getJob(bad!)).toBeNull();
    expect((await adapter.getJob(again!))!.retryCount).toBe(1);
  });

  it("inserts a finished cron job's successor once, never a second pending row", async () => {
    const adapter = await harness.create();
    const nextRunAt = new Date(Date.now() + 60_000);
    const definition = {
      name: "cron.tick",
      cronExpression: "* * * * *",
      priority: 4,
      nextRunAt: new Date(Date.now() - 1_000),
      dataJson: JSON.stringify({ jobType: "compas.queue.cronJob" }),
    };
    await adapter.syncCron([definition]);
    const { jobs } = await adapter.claim(claimRequest({ names: ["cron.tick"] }));
    const running = jobs[0]!;
    const successor = { ...definition, nextRunAt, dataJson: '{"n":2}' };
    const result = await adapter.complete([
      outcome(running.id, running.lockedBy!, { cronSuccessor: successor }),
    ]);
    expect(result.recorded).toEqual([running.id]);
    const pending = await sql<{ id: string; scheduled_at: Date }>(
      `SELECT id, scheduled_at FROM ${quoted(adapter)} WHERE NOT is_complete`,
    );
    expect(pending).toHaveLength(1);
    expect(pending[0]!.scheduled_at).toEqual(nextRunAt);

    // A late second outcome for the same lease is lost and inserts nothing.
    const late = await adapter.complete([
      outcome(running.id, running.lockedBy!, { cronSuccessor: successor }),
    ]);
    expect(late).toEqual({ recorded: [], lost: [running.id] });
    const after = await sql(`SELECT id FROM ${quoted(adapter)} WHERE NOT is_complete`);
    expect(after).toHaveLength(1);
  });

  it("skips the successor when a pending cron row for the name exists already", async () => {
    const adapter = await harness.create();
    const definition = {
      name: "cron.b",
      cronExpression: "0 * * * *",
      priority: 4,
      nextRunAt: new Date(Date.now() + 3_600_000),
      dataJson: "{}",
    };
    await adapter.syncCron([definition]);
    const [x, y] = await adapter.enqueue([newJob(), newJob()]);
    const { jobs } = await adapter.claim(claimRequest());
    const token = jobs[0]!.lockedBy!;
    const late = { ...definition, nextRunAt: new Date(Date.now() + 7_200_000) };
    // Both outcomes carry a successor for a name that has a pending row: none is added,
    // and the outcomes themselves are still recorded.
    const result = await adapter.complete([
      outcome(x!, token, { cronSuccessor: late }),
      outcome(y!, token, { kind: "failed", error: "e", cronSuccessor: late }),
    ]);
    expect(result.recorded.sort((a, b) => a - b)).toEqual([x, y]);
    const pending = await sql<{ scheduled_at: Date }>(
      `SELECT scheduled_at FROM ${quoted(adapter)} WHERE name = 'cron.b'`,
    );
    expect(pending.map((row) => row.scheduled_at)).toEqual([definition.nextRunAt]);
  });

  it("adds one successor when two outcomes in a batch carry the same cron name", async () => {
    const adapter = await harness.create();
    const [x, y] = await adapter.enqueue([newJob(), newJob()]);
    const { jobs } = await adapter.claim(claimRequest());
    const token = jobs[0]!.lockedBy!;
    const successor = {
      name: "cron.c",
      cronExpression: "0 * * * *",
      priority: 4,
      nextRunAt: new Date(Date.now() + 3_600_000),
      dataJson: "{}",
    };
    const result = await adapter.complete([
      outcome(x!, token, { cronSuccessor: successor }),
      outcome(y!, token, { cronSuccessor: successor }),
    ]);
    expect(result.recorded).toHaveLength(2);
    const rows = await sql(`SELECT id FROM ${quoted(adapter)} WHERE name = 'cron.c'`);
    expect(rows).toHaveLength(1);
  });
});
