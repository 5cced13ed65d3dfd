import {
  claimRequest,
  createMemoryAdapter,
  expectDocketError,
  type MemoryDb,
  newJob,
} from "@docket/core/testing";
import { describe, expect, it } from "vitest";

/** What only the memory adapter has: its injected clock, its transactions, its options. */
describe("memory adapter", () => {
  it("takes its clock from options.now and numbers jobs 1, 2, 3", async () => {
    let now = 1_000_000;
    const adapter = createMemoryAdapter({ now: () => now });
    expect(adapter.dialect).toBe("memory");
    expect((await adapter.now()).getTime()).toBe(1_000_000);
    expect(await adapter.enqueue([newJob(), newJob(), newJob()])).toEqual([1, 2, 3]);
    const claimed = await adapter.claim(claimRequest({ limit: 1, leaseMs: 500 }));
    expect(claimed.jobs[0]?.lockedUntil?.getTime()).toBe(1_000_500);
    now += 501;
    // The lease ran out on the injected clock: the next claim takes the job over.
    const again = await adapter.claim(claimRequest({ limit: 1 }));
    expect(again.jobs[0]).toMatchObject({ id: 1, retryCount: 1 });
  });

  it("rolls back every write of a failed transaction, markers included", async () => {
    const adapter = createMemoryAdapter();
    await adapter.enqueue([newJob({ name: "kept" })]);
    await expect(
      adapter.transaction(async (tx) => {
        await tx.adapter.enqueue([newJob({ name: "gone" })]);
        await (tx.db as MemoryDb).writeMarker("gone");
        // Not visible outside before commit.
        expect(await adapter.listJobs({ limit: 10 })).toHaveLength(1);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect((await adapter.listJobs({ limit: 10 })).map((job) => job.name)).toEqual(["kept"]);
    expect(await (adapter.db as MemoryDb).countMarkers("gone")).toBe(0);
  });

  it("runs concurrent transactions one after another and root writes after them", async () => {
    const adapter = createMemoryAdapter();
    const order: string[] = [];
    const first = adapter.transaction(async (tx) => {
      order.push("first:start");
      await new Promise((resolve) => setTimeout(resolve, 20));
      await tx.adapter.enqueue([newJob()]);
      order.push("first:end");
    });
    const second = adapter.transaction(async (tx) => {
      order.push("second:start");
      await tx.adapter.enqueue([newJob()]);
      order.push("second:end");
    });
    const root = adapter.enqueue([newJob()]).then(() => order.push("root"));
    await Promise.all([first, second, root]);
    expect(order).toEqual(["first:start", "first:end", "second:start", "second:end", "root"]);
    expect(await adapter.insights()).toMatchObject({ pendingCount: 3 });
  });

  it("shares one store between an adapter and one opened on its db", async () => {
    const first = createMemoryAdapter();
    const second = createMemoryAdapter({ db: first.db as MemoryDb });
    const [id] = await first.enqueue([newJob()]);
    expect((await second.getJob(id!))?.id).toBe(id);
    expect(second.queueKey).toBe(first.queueKey);
    expect(createMemoryAdapter().queueKey).not.toBe(first.queueKey);
  });

  it("rejects bad options, foreign transactions and use after close", async () => {
    expect(() => createMemoryAdapter({ now: 5 as any })).toThrow(
      expect.objectContaining({ code: "invalid_option", field: "options.now" }),
    );
    expect(() => createMemoryAdapter({ db: {} as any })).toThrow(
      expect.objectContaining({ code: "invalid_option", field: "options.db" }),
    );
    const adapter = createMemoryAdapter();
    const other = createMemoryAdapter();
    const foreign = await (other.db as MemoryDb).begin();
    expect(() => adapter.withTransaction(foreign)).toThrow(
      expect.objectContaining({ code: "invalid_argument", field: "nativeTransaction" }),
    );
    await foreign.rollback();
    await adapter.close();
    await expectDocketError(adapter.enqueue([newJob()]), "closed");
  });

  it("refuses writes through a transaction that already ended", async () => {
    const adapter = createMemoryAdapter();
    const tx = await (adapter.db as MemoryDb).begin();
    const bound = adapter.withTransaction(tx);
    await tx.commit();
    await expectDocketError(bound.enqueue([newJob()]), "closed");
  });
});
