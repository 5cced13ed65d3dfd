import { expect, it } from "vitest";
import { HOUR } from "./helpers.ts";
import { claimRequest, cronDefinition, newJob, outcome, pendingCronRows } from "./seam-fixtures.ts";
import type { SuiteContext } from "./suite-context.ts";

const byId = (a: number, b: number) => a - b;

/**
 * `complete` with a `cronSuccessor` on the seam: the next row of a finished cron job is
 * inserted with the outcome, at most once, and never beside another pending row of its name.
 */
export function seamCronSuccessorSuite({ queue }: SuiteContext): void {
  it("inserts a finished cron job's successor once; a stale or repeated outcome adds none", async () => {
    const adapter = await queue();
    const now = (await adapter.now()).getTime();
    await adapter.syncCron([cronDefinition("tick", { nextRunAt: new Date(now - 1_000) })]);
    const { jobs } = await adapter.claim(claimRequest({ names: ["tick"] }));
    expect(jobs).toHaveLength(1);
    const running = jobs[0]!;
    const successor = cronDefinition("tick", {
      nextRunAt: new Date(now + 2 * HOUR),
      dataJson: '{"n":2}',
    });
    const stale = await adapter.complete([
      outcome(running.id, "stale:1", { cronSuccessor: successor }),
    ]);
    expect(stale.lost).toEqual([running.id]);
    expect((await pendingCronRows(adapter, "tick")).map((row) => row.id)).toEqual([running.id]);

    const result = await adapter.complete([
      outcome(running.id, running.lockedBy!, { cronSuccessor: successor }),
    ]);
    expect(result).toEqual({ recorded: [running.id], lost: [] });
    const pending = await pendingCronRows(adapter, "tick");
    expect(pending).toHaveLength(1);
    expect(pending[0]!.id).not.toBe(running.id);
    expect(pending[0]).toMatchObject({
      name: "tick",
      cronExpression: "0 * * * *",
      priority: 4,
      scheduledAt: successor.nextRunAt,
      data: { n: 2 },
      retryCount: 0,
    });

    // A late second outcome for the same lease is lost and inserts nothing.
    const late = await adapter.complete([
      outcome(running.id, running.lockedBy!, { cronSuccessor: successor }),
    ]);
    expect(late).toEqual({ recorded: [], lost: [running.id] });
    expect(await pendingCronRows(adapter, "tick")).toEqual(pending);
  });

  it("skips the successor when a pending cron row for the name exists, still recording the outcomes", async () => {
    const adapter = await queue();
    const definition = cronDefinition("cron.b");
    await adapter.syncCron([definition]);
    const before = await pendingCronRows(adapter, "cron.b");
    const [x, y] = await adapter.enqueue([newJob(), newJob()]);
    const { jobs } = await adapter.claim(claimRequest());
    const token = jobs[0]!.lockedBy!;
    const late = cronDefinition("cron.b", { nextRunAt: new Date(Date.now() + 2 * HOUR) });
    const result = await adapter.complete([
      outcome(x!, token, { cronSuccessor: late }),
      outcome(y!, token, { kind: "failed", error: "e", cronSuccessor: late }),
    ]);
    expect(result.recorded.sort(byId)).toEqual([x, y]);
    expect(await pendingCronRows(adapter, "cron.b")).toEqual(before);
  });

  it("keeps one pending row when a registration re-times the cron row while it runs", async () => {
    const adapter = await queue();
    const now = (await adapter.now()).getTime();
    await adapter.syncCron([cronDefinition("tick", { nextRunAt: new Date(now - 1_000) })]);
    const { jobs } = await adapter.claim(claimRequest({ names: ["tick"] }));
    const running = jobs[0]!;
    // The running row is the name's pending row (not complete): registration updates it.
    await adapter.syncCron([cronDefinition("tick", { cronExpression: "*/5 * * * *" })]);
    const registered = await pendingCronRows(adapter, "tick");
    expect(registered.map((row) => [row.id, row.cronExpression])).toEqual([
      [running.id, "*/5 * * * *"],
    ]);
    const successor = cronDefinition("tick", { cronExpression: "*/5 * * * *" });
    const result = await adapter.complete([
      outcome(running.id, running.lockedBy!, { cronSuccessor: successor }),
    ]);
    expect(result.recorded).toEqual([running.id]);
    const pending = await pendingCronRows(adapter, "tick");
    expect(pending).toHaveLength(1);
    expect(pending[0]!.id).not.toBe(running.id);
  });

  it("adds one successor when two outcomes in a batch carry the same cron name", async () => {
    const adapter = await queue();
    const [x, y] = await adapter.enqueue([newJob(), newJob()]);
    const { jobs } = await adapter.claim(claimRequest());
    const token = jobs[0]!.lockedBy!;
    const successor = cronDefinition("cron.c");
    const result = await adapter.complete([
      outcome(x!, token, { cronSuccessor: successor }),
      outcome(y!, token, { cronSuccessor: successor }),
    ]);
    expect(result.recorded.sort(byId)).toEqual([x, y]);
    expect(await pendingCronRows(adapter, "cron.c")).toHaveLength(1);
  });
}
