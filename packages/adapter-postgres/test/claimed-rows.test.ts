import { expect, it } from "vitest";
import {
  claimRequest,
  describePostgres,
  newJob,
  outcome,
  quoted,
  setupPostgres,
} from "./postgres-test-helpers.ts";

/**
 * A claim returns its times as microseconds since the epoch and leaves out the columns it
 * sets itself (`postgres-claim-rows.ts`). The `JobRecord`s it builds must equal, field for
 * field, the ones `getJob` reads from the full row, and the order must still follow the
 * exact (microsecond) run times.
 */
describePostgres("postgres adapter: the claim's rows", () => {
  const { harness, sql } = setupPostgres();

  it("builds the same JobRecord as getJob, for a fresh job and for a retried one", async () => {
    const adapter = await harness.create();
    const [fresh, retried] = await adapter.enqueue([
      newJob({ priority: 1, dataJson: JSON.stringify({ a: [1, "x"], b: null }) }),
      newJob({ priority: 2, handlerTimeout: 1234 }),
    ]);
    // A first attempt of `retried` failed: last_error, retry_count and times are set.
    await sql(
      `UPDATE ${quoted(adapter)} SET last_error = 'boom', retry_count = 1,
         failed_at = statement_timestamp() - interval '1.234567 s',
         created_at = '1969-07-20 20:17:40.000999+00' WHERE id = $1`,
      [retried],
    );
    for (const request of [claimRequest({ limit: 5 }), claimRequest({ limit: 1 })]) {
      const claimed = await adapter.claim(request);
      for (const job of claimed.jobs) {
        expect(job).toEqual(await adapter.getJob(job.id));
        expect(Object.keys(job)).toEqual(Object.keys((await adapter.getJob(job.id))!));
      }
      const ids = claimed.jobs.map((job) => job.id);
      await adapter.complete(
        claimed.jobs.map((job) =>
          outcome(job.id, job.lockedBy!, { kind: "retry", error: "again", retryDelayMs: 0 }),
        ),
      );
      if (ids.length === 2) expect(ids).toEqual([fresh, retried]);
    }
  });

  it("orders jobs whose run times differ by a microsecond within one millisecond", async () => {
    const adapter = await harness.create();
    const ids = await adapter.enqueue([newJob(), newJob(), newJob()]);
    // Same priority; run times 3, 2 and 1 µs into one millisecond: spec order is reversed.
    for (const [i, id] of ids.entries()) {
      await sql(
        `UPDATE ${quoted(adapter)} SET scheduled_at = '2020-01-01 00:00:00.123003+00'::timestamptz - $2::int * interval '1 microsecond' WHERE id = $1`,
        [id, i],
      );
    }
    const claimed = await adapter.claim(claimRequest({ limit: 3 }));
    expect(claimed.jobs.map((job) => job.id)).toEqual([...ids].reverse());
    for (const job of claimed.jobs) {
      expect(job.scheduledAt.toISOString()).toBe("2020-01-01T00:00:00.123Z");
    }
  });

  it("reports the database clock as the claim's now and every leased job's updatedAt", async () => {
    const adapter = await harness.create();
    await adapter.enqueue([newJob(), newJob()]);
    const before = await adapter.now();
    const claimed = await adapter.claim(claimRequest({ limit: 2 }));
    expect(claimed.now).toBeInstanceOf(Date);
    expect(claimed.now.getTime()).toBeGreaterThanOrEqual(before.getTime());
    for (const job of claimed.jobs) expect(job.updatedAt).toEqual(claimed.now);
    expect(claimed.jobs[0]!.updatedAt).not.toBe(claimed.jobs[1]!.updatedAt);
  });
});
