import { expect, it } from "vitest";
import { claimRequest, newJob } from "./seam-fixtures.ts";
import type { SuiteContext } from "./suite-context.ts";

/** `enqueue` and `getJob` on the seam: what is written is what is read back. */
export function seamEnqueueSuite({ queue }: SuiteContext): void {
  it("stores every field of a job and reads it back unchanged", async () => {
    const adapter = await queue();
    // JSON.parse keeps `__proto__` as an own property (an object literal would not).
    const dataJson = JSON.stringify(
      JSON.parse(
        '{"text":"héllo 😀 𝄞 \\u2028 \\\\ \\" \' $1 ; DROP TABLE x; --","__proto__":{"polluted":true},' +
          '"nested":{"list":[1,2.5,-3,null,true],"empty":{}},"numbers":[1e21,-0.5,1234567890123456]}',
      ),
    );
    expect(dataJson).toContain("__proto__");
    const scheduledAt = new Date("2030-01-02T03:04:05.678Z");
    const before = await adapter.now();
    const [id] = await adapter.enqueue([
      newJob({ name: "naïve 名前 🚀", dataJson, priority: 7, scheduledAt, handlerTimeout: 1234 }),
    ]);
    const after = await adapter.now();
    const job = await adapter.getJob(id!);
    expect(job).toMatchObject({
      id,
      name: "naïve 名前 🚀",
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
      cancelledAt: null,
    });
    // Exactly as written, key order included.
    expect(JSON.stringify(job!.data)).toBe(dataJson);
    expect(Object.hasOwn(job!.data as object, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(job!.createdAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(job!.createdAt.getTime()).toBeLessThanOrEqual(after.getTime());
    expect(job!.updatedAt).toEqual(job!.createdAt);
    expect(await adapter.getJob(id! + 1000)).toBeNull();
  });

  it("schedules a job without scheduledAt at the adapter's now", async () => {
    const adapter = await queue();
    const before = await adapter.now();
    const [id] = await adapter.enqueue([newJob()]);
    const after = await adapter.now();
    const job = (await adapter.getJob(id!))!;
    expect(job.scheduledAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(job.scheduledAt.getTime()).toBeLessThanOrEqual(after.getTime());
    expect(job.createdAt).toEqual(job.scheduledAt);
  });

  it("stores a large batch and returns its ids in input order, as numbers", async () => {
    const adapter = await queue();
    // Large enough to need several statements where the driver limits parameters.
    const jobs = Array.from({ length: 1234 }, (_, i) =>
      newJob({ dataJson: JSON.stringify({ i }), handlerTimeout: i % 2 === 0 ? 2 ** 31 + i : null }),
    );
    const ids = await adapter.enqueue(jobs);
    expect(ids).toHaveLength(1234);
    expect(new Set(ids).size).toBe(1234);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    for (const [i, id] of ids.entries()) {
      expect(typeof id).toBe("number");
      if (i % 100 !== 0 && i !== ids.length - 1) continue;
      const job = (await adapter.getJob(id))!;
      expect(job.data).toEqual({ i });
      // Past 2^31 ms: a timeout longer than 24 days is stored as given.
      expect(job.handlerTimeout).toBe(i % 2 === 0 ? 2 ** 31 + i : null);
    }
  });

  it("compares names exactly: case, accents, width and trailing spaces matter", async () => {
    const adapter = await queue();
    const names = ["a", "A", "á", "a ", "ａ"];
    const ids = await adapter.enqueue(names.map((name) => newJob({ name })));
    for (const [i, name] of names.entries()) {
      expect((await adapter.listJobs({ name, limit: 10 })).map((job) => job.id)).toEqual([ids[i]]);
      const { jobs } = await adapter.claim(claimRequest({ names: [name] }));
      expect(jobs.map((job) => job.id)).toEqual([ids[i]]);
      expect(jobs[0]!.name).toBe(name);
    }
    expect(await adapter.listJobs({ name: "' OR 1=1 --", limit: 10 })).toEqual([]);
  });
}
