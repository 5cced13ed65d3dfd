import { expect, it, type TestContext } from "vitest";
import type { AdapterCapabilities, StorageAdapter } from "../storage-adapter.ts";
import { claimRequest, newJob } from "./seam-fixtures.ts";
import type { SuiteContext } from "./suite-context.ts";

/**
 * Skips the running test, with a printed reason, when `adapter` declares `capability`
 * absent. Capabilities are known only once an adapter exists (the harness makes adapters
 * asynchronously), so this skips at run time rather than with `describe.skipIf`; never
 * decide from `dialect`.
 */
export function requireCapability(
  context: TestContext,
  label: string,
  adapter: StorageAdapter,
  capability: keyof AdapterCapabilities,
): void {
  if (adapter.capabilities[capability]) return;
  const reason = `${label}: declares capability ${capability} absent`;
  console.warn(`skipped "${context.task.name}" (${reason})`);
  context.skip(reason);
}

/** docs/adapters.md, capabilities: what an adapter declares matches what it does. */
export function seamCapabilitiesSuite({ queue, harness }: SuiteContext): void {
  it("declares every capability with a value of the documented type", async () => {
    const { capabilities } = await queue();
    expect(Object.keys(capabilities).sort()).toEqual([
      "advisoryLocks",
      "callerTransactions",
      "clock",
      "multiProcess",
      "pushWakeups",
    ]);
    for (const flag of ["advisoryLocks", "callerTransactions", "multiProcess", "pushWakeups"]) {
      expect(typeof capabilities[flag as keyof AdapterCapabilities], flag).toBe("boolean");
    }
    expect(["database", "process"]).toContain(capabilities.clock);
  });

  it("offers subscribe() exactly when it declares push wake-ups", async () => {
    const adapter = await queue();
    expect(typeof adapter.subscribe === "function").toBe(adapter.capabilities.pushWakeups);
  });

  it("wakes a subscriber when a job is enqueued (pushWakeups)", async (context) => {
    const adapter = await queue();
    requireCapability(context, harness.label, adapter, "pushWakeups");
    const other = await harness.reopen(adapter);
    let woken = 0;
    const unsubscribe = adapter.subscribe!(() => woken++);
    try {
      const deadline = Date.now() + 10_000;
      // The subscription may take a moment to be listening: enqueue until it hears one.
      while (woken === 0 && Date.now() < deadline) {
        await other.enqueue([newJob()]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(woken).toBeGreaterThan(0);
    } finally {
      unsubscribe();
    }
  });

  it("binds withTransaction to the application's own transaction (callerTransactions)", async (context) => {
    const adapter = await queue();
    requireCapability(context, harness.label, adapter, "callerTransactions");
    let rolledBack: number[] = [];
    await harness.inNativeTransaction(
      adapter,
      async (bound) => {
        expect(bound.queueKey).toBe(adapter.queueKey);
        expect(bound.capabilities).toEqual(adapter.capabilities);
        rolledBack = await bound.enqueue([newJob({ name: "rolled-back" })]);
      },
      { rollback: true },
    );
    expect(rolledBack).toHaveLength(1);
    expect(await adapter.getJob(rolledBack[0]!)).toBeNull();
    let committed: number[] = [];
    await harness.inNativeTransaction(
      adapter,
      async (bound) => {
        committed = await bound.enqueue([newJob({ name: "committed" })]);
      },
      { rollback: false },
    );
    expect((await adapter.getJob(committed[0]!))!.name).toBe("committed");
  });

  it("stamps rows with the clock it declares (clock)", async () => {
    const adapter = await queue();
    const before = Date.now();
    const [id] = await adapter.enqueue([newJob()]);
    const after = Date.now();
    const scheduledAt = (await adapter.getJob(id!))!.scheduledAt.getTime();
    if (adapter.capabilities.clock === "process") {
      // This process's clock, read during the call.
      expect(scheduledAt).toBeGreaterThanOrEqual(before);
      expect(scheduledAt).toBeLessThanOrEqual(after);
    } else {
      // The server's clock: what now() reads is what stamps rows, whatever this process says.
      const first = await adapter.now();
      const [next] = await adapter.enqueue([newJob()]);
      const last = await adapter.now();
      const stamped = (await adapter.getJob(next!))!.scheduledAt.getTime();
      expect(stamped).toBeGreaterThanOrEqual(first.getTime());
      expect(stamped).toBeLessThanOrEqual(last.getTime());
    }
  });

  it("shares one queue between independent adapters (multiProcess)", async (context) => {
    const adapter = await queue();
    requireCapability(context, harness.label, adapter, "multiProcess");
    const other = await harness.reopen(adapter);
    expect(other.queueKey).toBe(adapter.queueKey);
    expect(other.db).not.toBe(adapter.db);
    const [id] = await adapter.enqueue([newJob()]);
    const claimed = await other.claim(claimRequest({ leaseToken: "other:1" }));
    expect(claimed.jobs.map((job) => job.id)).toEqual([id]);
    expect((await adapter.getJob(id!))!.lockedBy).toBe("other:1");
  });
}
