import { expect, it } from "vitest";
import { claimRequest, cronDefinition, newJob, outcome, pendingCronRows } from "./seam-fixtures.ts";
import type { SuiteContext } from "./suite-context.ts";

/**
 * The rest of the seam an adapter's own tests used to check each on their own: migrations,
 * `transaction(fn)`, `syncCron` updates in place, and `close`.
 */
export function seamLifecycleSuite({ queue, harness }: SuiteContext): void {
  it("migrates twice, and from ten adapters at once, without harm", async () => {
    const adapter = await queue();
    const [id] = await adapter.enqueue([newJob({ name: "kept" })]);
    await adapter.migrate();
    const others = await Promise.all(Array.from({ length: 9 }, () => harness.reopen(adapter)));
    await Promise.all([adapter, ...others].map((each) => each.migrate()));
    expect((await others[4]!.getJob(id!))!.name).toBe("kept");
    const [next] = await others[2]!.enqueue([newJob()]);
    expect((await adapter.getJob(next!))!.name).toBe("job");
  });

  it("commits transaction(fn) with fn's writes and result; rolls them back and rethrows when fn throws", async () => {
    const adapter = await queue();
    const value = await adapter.transaction(async (tx) => {
      expect(tx.adapter.queueKey).toBe(adapter.queueKey);
      const [id] = await tx.adapter.enqueue([newJob({ name: "kept" })]);
      await harness.writeMarker(adapter, tx.db, "committed");
      return id;
    });
    expect((await adapter.getJob(value!))!.name).toBe("kept");
    expect(await harness.countMarkers(adapter, "committed")).toBe(1);
    const failure = new Error("handler failed");
    let dropped: number | undefined;
    await expect(
      adapter.transaction(async (tx) => {
        [dropped] = await tx.adapter.enqueue([newJob({ name: "dropped" })]);
        await harness.writeMarker(adapter, tx.db, "rolled-back");
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await adapter.getJob(dropped!)).toBeNull();
    expect(await harness.countMarkers(adapter, "rolled-back")).toBe(0);
  });

  it("records a completion inside transaction(fn) only when fn commits", async () => {
    const adapter = await queue();
    const [id] = await adapter.enqueue([newJob()]);
    const { jobs } = await adapter.claim(claimRequest());
    const token = jobs[0]!.lockedBy!;
    await expect(
      adapter.transaction(async (tx) => {
        await tx.adapter.complete([outcome(id!, token)]);
        throw new Error("after completing");
      }),
    ).rejects.toThrow("after completing");
    expect(await adapter.getJob(id!)).toMatchObject({ isComplete: false, lockedBy: token });
    const result = await adapter.transaction((tx) => tx.adapter.complete([outcome(id!, token)]));
    expect(result).toEqual({ recorded: [id], lost: [] });
    expect((await adapter.getJob(id!))!.isComplete).toBe(true);
  });

  it("nests transaction(fn) on a bound adapter as a savepoint", async () => {
    const adapter = await queue();
    await adapter.transaction(async (tx) => {
      await tx.adapter.enqueue([newJob({ name: "outer" })]);
      await expect(
        tx.adapter.transaction(async (inner) => {
          await inner.adapter.enqueue([newJob({ name: "inner" })]);
          throw new Error("inner failed");
        }),
      ).rejects.toThrow("inner failed");
      await tx.adapter.transaction(async (inner) => {
        await inner.adapter.enqueue([newJob({ name: "inner.kept" })]);
      });
    });
    const names = (await adapter.listJobs({ limit: 10 })).map((job) => job.name);
    expect(names).toEqual(["inner.kept", "outer"]);
  });

  it("updates a changed cron row in place: expression, priority, data and next run", async () => {
    const adapter = await queue();
    await adapter.syncCron([cronDefinition("keep"), cronDefinition("change")]);
    const before = await pendingCronRows(adapter);
    const later = new Date(Date.now() + 7_200_000);
    await adapter.syncCron([
      cronDefinition("keep", { nextRunAt: later }),
      cronDefinition("change", {
        cronExpression: "*/2 * * * *",
        nextRunAt: later,
        dataJson: '{"v":2}',
      }),
    ]);
    const after = await pendingCronRows(adapter);
    expect(after[1]).toEqual(before[1]); // "keep": same expression and priority, untouched
    expect(after[0]).toMatchObject({
      id: before[0]!.id,
      name: "change",
      cronExpression: "*/2 * * * *",
      scheduledAt: later,
      data: { v: 2 },
    });
    // A changed priority alone re-times too.
    const again = new Date(Date.now() + 9_000_000);
    await adapter.syncCron([cronDefinition("keep", { priority: 1, nextRunAt: again })]);
    const last = await pendingCronRows(adapter);
    expect(last.map((row) => [row.name, row.priority, row.scheduledAt])).toEqual([
      ["keep", 1, again],
    ]);
  });

  it("refuses every call after close(), and close() is idempotent", async () => {
    const adapter = await queue();
    await adapter.close();
    await adapter.close();
    await expect(adapter.getJob(1)).rejects.toMatchObject({ code: "closed" });
    await expect(adapter.enqueue([newJob()])).rejects.toMatchObject({ code: "closed" });
    await expect(adapter.claim(claimRequest())).rejects.toMatchObject({ code: "closed" });
  });
}
