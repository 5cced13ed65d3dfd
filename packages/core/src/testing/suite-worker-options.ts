import { expect, it } from "vitest";
import { queueWorkerAddJob } from "../add-job.ts";
import { queueWorkerGetJob } from "../read-jobs.ts";
import { queueWorkerCreate } from "../worker.ts";
import {
  delay,
  expectDocketError,
  memoryLogger,
  waitFor,
  waitUntilComplete,
  withWorker,
} from "./helpers.ts";
import type { SuiteContext } from "./suite-context.ts";

/** Spec §3: worker construction, option validation, aliases, start/stop. */
export function workerOptionsSuite({ queue }: SuiteContext): void {
  const noop = async () => {};

  it("rejects unknown options, wrong types and handler entries without a function", async () => {
    const adapter = await queue();
    const bad: [Record<string, unknown>, string][] = [
      [{ handler: { a: noop }, pollIntervall: 10 }, "options.pollIntervall"],
      [{ handler: { a: noop }, pollInterval: "10" }, "pollInterval"],
      [{ handler: { a: noop }, parallelCount: 0 }, "parallelCount"],
      [{ handler: { a: noop }, maxRetryCount: -1 }, "maxRetryCount"],
      [{ handler: { a: noop }, handlerTimeout: 1.5 }, "handlerTimeout"],
      [{ handler: { a: noop }, includedNames: "a" }, "includedNames"],
      [{ handler: { a: noop }, unsafeIgnoreSorting: "yes" }, "unsafeIgnoreSorting"],
      [{ handler: { a: { timeout: 5 } } }, 'handler["a"]'],
      [{ handler: { a: 5 } }, 'handler["a"]'],
      [{ handler: { a: { handler: noop, timeout: -1 } } }, 'handler["a"].timeout'],
      [{ handler: null }, "handler"],
      [
        { handler: { a: noop }, includeNames: ["a"], includedNames: ["a"] },
        "options.includedNames",
      ],
    ];
    for (const [options, field] of bad) {
      await expectDocketError(
        () => queueWorkerCreate(adapter, options as any),
        "invalid_option",
        field,
      );
    }
  });

  it("accepts the documentation's misspelt aliases", async () => {
    const adapter = await queue();
    const ran: string[] = [];
    await queueWorkerAddJob(adapter, { name: "in" });
    await queueWorkerAddJob(adapter, { name: "out" });
    await withWorker(
      adapter,
      {
        handler: { in: async () => void ran.push("in"), out: async () => void ran.push("out") },
        includeNames: ["in", "out"],
        excludeNames: ["out"],
        unsafeIngoreSorting: true,
      } as any,
      async () => {
        await waitFor(() => ran.length === 1, { what: "the included job" });
        await delay(200);
      },
    );
    expect(ran).toEqual(["in"]);
  });

  it("is returned synchronously and touches the database only after start()", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "a" });
    let ran = 0;
    const worker = queueWorkerCreate(adapter, {
      handler: { a: () => void ran++ },
      pollInterval: 20,
      logger: memoryLogger(),
    });
    await delay(200);
    expect(ran).toBe(0);
    expect((await queueWorkerGetJob(adapter, id))!.lockedBy).toBeNull();
    worker.start();
    worker.start();
    await waitUntilComplete(adapter, id, "completion");
    await worker.stop();
    await worker.stop();
    expect(ran).toBe(1);
  });

  it("stops an idle worker well within the poll interval and claims nothing after stop()", async () => {
    const adapter = await queue();
    let ran = 0;
    const worker = queueWorkerCreate(adapter, {
      handler: { a: () => void ran++ },
      pollInterval: 60_000,
      logger: memoryLogger(),
    });
    worker.start();
    await delay(100);
    const started = Date.now();
    await worker.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    const id = await queueWorkerAddJob(adapter, { name: "a" });
    await delay(300);
    expect(ran).toBe(0);
    expect((await queueWorkerGetJob(adapter, id))!.isComplete).toBe(false);
  });

  it("stop() waits for running handlers and records their results", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "slow" });
    let started = false;
    const worker = queueWorkerCreate(adapter, {
      handler: {
        slow: async () => {
          started = true;
          await delay(500);
        },
      },
      pollInterval: 20,
      logger: memoryLogger(),
    });
    worker.start();
    await waitFor(() => started, { what: "the handler to start" });
    await worker.stop();
    expect((await queueWorkerGetJob(adapter, id))!.isComplete).toBe(true);
  });

  it("stop() right after start() runs the due job the worker's first claim took", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "a" });
    let ran = 0;
    const worker = queueWorkerCreate(adapter, {
      handler: { a: async () => void ran++ },
      logger: memoryLogger(),
    });
    // What the Compas queue's own tests do: the first claim starts in the first turn of
    // the event loop, and is still in flight on a networked database when stop() comes.
    worker.start();
    await new Promise((resolve) => setImmediate(resolve));
    await worker.stop();
    expect(ran).toBe(1);
    expect(await queueWorkerGetJob(adapter, id)).toMatchObject({
      isComplete: true,
      failedAt: null,
      lockedBy: null,
      retryCount: 0,
    });
  });

  it("stop() during the first claim runs the jobs claimed for free slots and hands back only the prefetch surplus", async () => {
    const adapter = await queue();
    const ids: number[] = [];
    for (let i = 0; i < 4; i++)
      ids.push(await queueWorkerAddJob(adapter, { name: "b", priority: i }));
    const ran: number[] = [];
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const worker = queueWorkerCreate(adapter, {
      parallelCount: 2,
      prefetchCount: 3,
      handler: {
        b: async (_e, _db, job) => {
          ran.push(job.id);
          await gate;
        },
      },
      logger: memoryLogger(),
    });
    worker.start();
    await new Promise((resolve) => setImmediate(resolve));
    // Handlers that started before stop() are held at the gate until it was called, so
    // none of them frees a slot for a third job (on SQLite the claim has returned by now).
    const stopped = worker.stop();
    open();
    await stopped;
    expect(ran.sort((a, b) => a - b)).toEqual(ids.slice(0, 2));
    for (const id of ids.slice(0, 2)) {
      expect(await queueWorkerGetJob(adapter, id)).toMatchObject({ isComplete: true });
    }
    for (const id of ids.slice(2)) {
      expect(await queueWorkerGetJob(adapter, id)).toMatchObject({
        isComplete: false,
        retryCount: 0,
        lockedBy: null,
        lockedUntil: null,
        lastError: null,
      });
    }
  });

  it("never runs more than parallelCount handlers at once, and uses them all", async () => {
    const adapter = await queue();
    for (let i = 0; i < 24; i++) await queueWorkerAddJob(adapter, { name: "p" });
    let running = 0;
    let peak = 0;
    let done = 0;
    await withWorker(
      adapter,
      {
        parallelCount: 4,
        handler: {
          p: async () => {
            running++;
            peak = Math.max(peak, running);
            await delay(60);
            running--;
            done++;
          },
        },
      },
      async () => {
        await waitFor(() => done === 24, { what: "all jobs" });
      },
    );
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
  });
}
