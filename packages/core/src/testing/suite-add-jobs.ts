import { expect, it } from "vitest";
import { queueWorkerAddJob, queueWorkerAddJobs } from "../add-job.ts";
import { queueWorkerGetJob, queueWorkerListJobs } from "../read-jobs.ts";
import { expectDocketError, HOUR } from "./helpers.ts";
import type { SuiteContext } from "./suite-context.ts";

/** docs/queue.md §2 and §7: adding jobs, defaults, validation before any write, hostile input. */
export function addJobsSuite({ queue }: SuiteContext): void {
  it("adds a job with the documented defaults and returns its id", async () => {
    const adapter = await queue();
    const before = await adapter.now();
    const id = await queueWorkerAddJob(adapter, { name: "email.send" });
    expect(typeof id).toBe("number");
    const job = await queueWorkerGetJob(adapter, id);
    expect(job).toMatchObject({
      id,
      name: "email.send",
      data: {},
      priority: 5,
      handlerTimeout: null,
      retryCount: 0,
      isComplete: false,
      lockedBy: null,
      lockedUntil: null,
      lastError: null,
      failedAt: null,
      completedAt: null,
      cronExpression: null,
      cancelledAt: null,
    });
    expect(job!.scheduledAt.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(job!.createdAt).toBeInstanceOf(Date);
    expect(job!.updatedAt).toBeInstanceOf(Date);
  });

  it("stores every given field exactly", async () => {
    const adapter = await queue();
    const scheduledAt = new Date(Date.now() + HOUR + 123);
    const data = { to: "a@b.c", nested: { list: [1, "two", null, true] }, n: 1.5 };
    const id = await queueWorkerAddJob(adapter, {
      name: "report",
      data,
      priority: 0,
      scheduledAt,
      handlerTimeout: 1234,
    });
    const job = await queueWorkerGetJob(adapter, id);
    expect(job).toMatchObject({ name: "report", data, priority: 0, handlerTimeout: 1234 });
    expect(job!.scheduledAt.getTime()).toBe(scheduledAt.getTime());
  });

  it("returns increasing ids", async () => {
    const adapter = await queue();
    const a = await queueWorkerAddJob(adapter, { name: "a" });
    const b = await queueWorkerAddJob(adapter, { name: "a" });
    expect(b).toBeGreaterThan(a);
  });

  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const badInputs: [string, Record<string, unknown>, string][] = [
    ["a missing name", {}, "job.name"],
    ["an empty name", { name: "" }, "job.name"],
    ["a non-string name", { name: 42 }, "job.name"],
    ["a name over 255 characters", { name: "x".repeat(256) }, "job.name"],
    ["a name with a lone surrogate", { name: "bad\uD800name" }, "job.name"],
    ["a string priority", { name: "a", priority: "3" }, "job.priority"],
    ["a negative priority", { name: "a", priority: -1 }, "job.priority"],
    ["a fractional priority", { name: "a", priority: 1.5 }, "job.priority"],
    ["a NaN priority", { name: "a", priority: Number.NaN }, "job.priority"],
    ["a priority past 2^31-1", { name: "a", priority: 2 ** 31 }, "job.priority"],
    ["a string scheduledAt", { name: "a", scheduledAt: "2030-01-01" }, "job.scheduledAt"],
    ["an invalid Date", { name: "a", scheduledAt: new Date("nope") }, "job.scheduledAt"],
    ["a negative handlerTimeout", { name: "a", handlerTimeout: -5 }, "job.handlerTimeout"],
    ["a fractional handlerTimeout", { name: "a", handlerTimeout: 2.5 }, "job.handlerTimeout"],
    ["circular data", { name: "a", data: circular }, "job.data"],
    ["BigInt data", { name: "a", data: { n: 10n } }, "job.data"],
    ["a function in data", { name: "a", data: { f: () => 1 } }, "job.data"],
    ["data with a NUL character", { name: "a", data: { s: "a\u0000b" } }, "job.data"],
    ["data with a lone surrogate", { name: "a", data: { s: "\uDC00" } }, "job.data"],
    ["an unknown field", { name: "a", priorty: 1 }, "job.priorty"],
  ];
  for (const [label, input, field] of badInputs) {
    it(`rejects ${label} with a typed error and writes nothing`, async () => {
      const adapter = await queue();
      await expectDocketError(queueWorkerAddJob(adapter, input as any), "invalid_argument", field);
      expect(await queueWorkerListJobs(adapter, {})).toEqual([]);
    });
  }

  it("rejects a target that is not an adapter", async () => {
    await expectDocketError(
      queueWorkerAddJob({} as any, { name: "a" }),
      "invalid_argument",
      "target",
    );
  });

  it("adds a batch in input order and returns every id", async () => {
    const adapter = await queue();
    const jobs = Array.from({ length: 250 }, (_, i) => ({
      name: "batch",
      data: { i },
      priority: i % 3,
    }));
    const ids = await queueWorkerAddJobs(adapter, jobs);
    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
    for (const index of [0, 17, 249]) {
      const job = await queueWorkerGetJob(adapter, ids[index]!);
      expect(job).toMatchObject({ data: { i: index }, priority: index % 3 });
    }
    expect(await queueWorkerAddJobs(adapter, [])).toEqual([]);
  });

  it("validates a whole batch before writing any of it", async () => {
    const adapter = await queue();
    await expectDocketError(
      queueWorkerAddJobs(adapter, [{ name: "ok" }, { name: "bad", priority: -1 }, { name: "ok" }]),
      "invalid_argument",
      "jobs[1].priority",
    );
    expect(await queueWorkerListJobs(adapter, {})).toEqual([]);
  });

  it("stores hostile names and payloads as ordinary data", async () => {
    const adapter = await queue();
    const names = [
      "constructor",
      "__proto__",
      "toString",
      "x'); DROP TABLE job; --",
      'quote"s\\',
      "名前 😀",
    ];
    const data = JSON.parse(
      '{"__proto__": {"polluted": true}, "sql": "\' OR 1=1 --", "emoji": "𝄞😀", "constructor": 1}',
    );
    for (const name of names) {
      const id = await queueWorkerAddJob(adapter, { name, data });
      const job = await queueWorkerGetJob(adapter, id);
      expect(job!.name).toBe(name);
      expect(JSON.stringify(job!.data)).toBe(JSON.stringify(data));
      expect(Object.hasOwn(job!.data as object, "__proto__")).toBe(true);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await queueWorkerListJobs(adapter, {})).toHaveLength(names.length);
  });

  it("round-trips a 10 MB payload", async () => {
    const adapter = await queue();
    const big = "x".repeat(10 * 1024 * 1024);
    const id = await queueWorkerAddJob(adapter, { name: "big", data: { big } });
    const job = await queueWorkerGetJob(adapter, id);
    expect((job!.data as { big: string }).big.length).toBe(big.length);
  });
}
