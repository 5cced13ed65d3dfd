import { expect, it } from "vitest";
import { queueWorkerAddJob, queueWorkerAddJobs } from "../add-job.ts";
import { DocketError, isAbortError } from "../errors.ts";
import { eventRename, eventStart, newEventFromEvent } from "../events.ts";
import type { JobRecord } from "../job-record.ts";
import { queueWorkerGetJob, queueWorkerListJobs } from "../read-jobs.ts";
import { delay, HOUR, waitFor, waitUntilComplete, withWorker } from "./helpers.ts";
import type { SuiteContext } from "./suite-context.ts";

/** docs/queue.md §3: eligibility, order, filters, handler call, retries, deletion, backoff. */
export function workerRunSuite({ queue }: SuiteContext): void {
  it("calls the handler with an event, the native db handle and the job record", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "email.send", data: { to: "a@b.c" } });
    const seen: { signal: unknown; log: unknown; db: unknown; job?: JobRecord } = {
      signal: 0,
      log: 0,
      db: 0,
    };
    await withWorker(
      adapter,
      {
        handler: {
          "email.send": async (event, db, job) => {
            seen.signal = event.signal;
            seen.log = event.log;
            seen.db = db;
            seen.job = job;
          },
        },
      },
      async () => {
        await waitUntilComplete(adapter, id, "completion");
      },
    );
    expect(seen.signal).toBeInstanceOf(AbortSignal);
    expect(typeof (seen.log as { info: unknown }).info).toBe("function");
    expect(seen.db).toBe(adapter.db);
    expect(seen.job).toMatchObject({
      id,
      name: "email.send",
      data: { to: "a@b.c" },
      retryCount: 0,
    });
    const job = await queueWorkerGetJob(adapter, id);
    expect(job).toMatchObject({
      isComplete: true,
      failedAt: null,
      lockedBy: null,
      lastError: null,
    });
  });

  it("runs by priority, then scheduledAt, then id", async () => {
    const adapter = await queue();
    const now = Date.now();
    const order: number[] = [];
    const late = await queueWorkerAddJob(adapter, {
      name: "o",
      priority: 5,
      scheduledAt: new Date(now - 1000),
    });
    const early = await queueWorkerAddJob(adapter, {
      name: "o",
      priority: 5,
      scheduledAt: new Date(now - 5000),
    });
    const urgent = await queueWorkerAddJob(adapter, {
      name: "o",
      priority: 1,
      scheduledAt: new Date(now - 10),
    });
    const tieA = await queueWorkerAddJob(adapter, {
      name: "o",
      priority: 7,
      scheduledAt: new Date(now - 3000),
    });
    const tieB = await queueWorkerAddJob(adapter, {
      name: "o",
      priority: 7,
      scheduledAt: new Date(now - 3000),
    });
    const low = await queueWorkerAddJob(adapter, {
      name: "o",
      priority: 9,
      scheduledAt: new Date(now - 9000),
    });
    await withWorker(
      adapter,
      { handler: { o: async (_e, _db, job) => void order.push(job.id) } },
      async () => {
        await waitFor(() => order.length === 6, { what: "six jobs" });
      },
    );
    expect(order).toEqual([urgent, early, late, tieA, tieB, low]);
  });

  it("retries a failed job before a less urgent one, as the order says", async () => {
    const adapter = await queue();
    const urgent = await queueWorkerAddJob(adapter, { name: "o", priority: 1 });
    const later = await queueWorkerAddJob(adapter, { name: "o", priority: 5 });
    const order: number[] = [];
    let failedOnce = false;
    await withWorker(
      adapter,
      {
        handler: {
          o: async (_e, _db, job) => {
            order.push(job.id);
            if (job.id === urgent && !failedOnce) {
              failedOnce = true;
              throw new Error("first attempt fails");
            }
          },
        },
      },
      async () => {
        await waitFor(() => order.length === 3, { what: "three attempts" });
      },
    );
    expect(order).toEqual([urgent, urgent, later]);
  });

  it("prefetches jobs into a local buffer, runs them in order, and hands unstarted ones back on stop()", async () => {
    const adapter = await queue();
    const ids: number[] = [];
    for (let i = 0; i < 8; i++)
      ids.push(await queueWorkerAddJob(adapter, { name: "pf", priority: i }));
    const order: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    await withWorker(
      adapter,
      {
        prefetchCount: 4,
        handler: {
          pf: async (_e, _db, job) => {
            order.push(job.id);
            if (order.length === 3) await gate;
          },
        },
      },
      async (worker) => {
        await waitFor(() => order.length === 3, { what: "three jobs" });
        // One job runs (held at the gate) and the buffer holds claimed, unstarted jobs.
        expect((await queueWorkerListJobs(adapter, { state: "running" })).length).toBeGreaterThan(
          1,
        );
        const stopped = worker.stop();
        release();
        await stopped;
      },
    );
    expect(order).toEqual(ids.slice(0, 3));
    for (const id of ids.slice(3)) {
      expect(await queueWorkerGetJob(adapter, id)).toMatchObject({
        isComplete: false,
        retryCount: 0,
        lockedBy: null,
        lockedUntil: null,
        lastError: null,
      });
    }
    expect(await queueWorkerListJobs(adapter, { state: "completed" })).toHaveLength(3);
  });

  it("with a prefetch buffer, claims never exceed the window, and stop() mid-drain runs or hands back every claimed job", async () => {
    const adapter = await queue();
    const parallelCount = 2;
    const prefetchCount = 10;
    const ids = await queueWorkerAddJobs(
      adapter,
      Array.from({ length: 60 }, (_, i) => ({ name: "window", data: { i } })),
    );
    // Jobs held = claimed and not yet finished; each claim asks for at most the room left.
    let held = 0;
    let mostHeld = 0;
    const claim = adapter.claim.bind(adapter);
    adapter.claim = async (request) => {
      mostHeld = Math.max(mostHeld, held + request.limit);
      const result = await claim(request);
      held += result.jobs.length;
      return result;
    };
    const ran = new Map<number, number>();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    await withWorker(
      adapter,
      {
        parallelCount,
        prefetchCount,
        handler: {
          window: async (_e, _db, job) => {
            ran.set(job.id, (ran.get(job.id) ?? 0) + 1);
            // Past several claims, hold the slots so stop() finds a buffer to hand back.
            if (ran.size >= 25) await gate;
            held -= 1;
          },
        },
      },
      async (worker) => {
        await waitFor(() => ran.size >= 25 + parallelCount - 1, { what: "slots held" });
        const stopped = worker.stop();
        release();
        await stopped;
      },
    );
    adapter.claim = claim;
    expect(mostHeld).toBeLessThanOrEqual(parallelCount + prefetchCount);
    expect([...ran.values()].every((count) => count === 1)).toBe(true);
    const completed = await queueWorkerListJobs(adapter, { state: "completed" });
    expect(completed.map((job) => job.id).sort((a, b) => a - b)).toEqual(
      [...ran.keys()].sort((a, b) => a - b),
    );
    expect(await queueWorkerListJobs(adapter, { state: "running" })).toHaveLength(0);
    for (const id of ids.filter((id) => !ran.has(id))) {
      expect(await queueWorkerGetJob(adapter, id)).toMatchObject({
        isComplete: false,
        retryCount: 0,
        lockedBy: null,
        lastError: null,
      });
    }
  });

  it("never runs a job scheduled in the future", async () => {
    const adapter = await queue();
    const future = await queueWorkerAddJob(adapter, {
      name: "f",
      scheduledAt: new Date(Date.now() + HOUR),
    });
    const due = await queueWorkerAddJob(adapter, { name: "f" });
    const ran: number[] = [];
    await withWorker(
      adapter,
      { handler: { f: async (_e, _db, job) => void ran.push(job.id) } },
      async () => {
        await waitFor(() => ran.length === 1, { what: "the due job" });
        await delay(300);
      },
    );
    expect(ran).toEqual([due]);
    expect((await queueWorkerGetJob(adapter, future))!.isComplete).toBe(false);
  });

  it("applies includedNames and excludedNames together and leaves unhandled jobs pending", async () => {
    const adapter = await queue();
    const ids: Record<string, number> = {};
    for (const name of ["a", "b", "c", "nohandler"])
      ids[name] = await queueWorkerAddJob(adapter, { name });
    const ran: string[] = [];
    const handler = (name: string) => async () => void ran.push(name);
    await withWorker(
      adapter,
      {
        handler: { a: handler("a"), b: handler("b"), c: handler("c") },
        includedNames: ["a", "b", "nohandler"],
        excludedNames: ["b"],
      },
      async () => {
        await waitFor(() => ran.length === 1, { what: "job a" });
        await delay(300);
      },
    );
    expect(ran).toEqual(["a"]);
    for (const name of ["b", "c", "nohandler"]) {
      const job = await queueWorkerGetJob(adapter, ids[name]!);
      expect(job).toMatchObject({ isComplete: false, retryCount: 0, lockedBy: null });
    }
  });

  it("looks handlers up by own property only", async () => {
    const adapter = await queue();
    const inherited = await queueWorkerAddJob(adapter, { name: "toString" });
    const ctor = await queueWorkerAddJob(adapter, { name: "constructor" });
    let ran = 0;
    await withWorker(adapter, { handler: { constructor: async () => void ran++ } }, async () => {
      await waitUntilComplete(adapter, ctor, "constructor job");
      await delay(200);
    });
    expect(ran).toBe(1);
    expect((await queueWorkerGetJob(adapter, inherited))!).toMatchObject({
      isComplete: false,
      retryCount: 0,
    });
  });

  it("attempts a failing job twice by default, then completes it as failed", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "boom" });
    let attempts = 0;
    await withWorker(
      adapter,
      {
        handler: {
          boom: async () => {
            attempts++;
            throw new Error(`failure ${attempts}`);
          },
        },
      },
      async () => {
        await waitUntilComplete(adapter, id, "giving up");
        await delay(200);
      },
    );
    expect(attempts).toBe(2);
    const job = await queueWorkerGetJob(adapter, id);
    expect(job).toMatchObject({ isComplete: true, retryCount: 2, lockedBy: null });
    expect(job!.failedAt).toBeInstanceOf(Date);
    expect(job!.lastError).toContain("failure 2");
  });

  it("honours maxRetryCount and records the attempt count", async () => {
    const adapter = await queue();
    let attempts = 0;
    const second = await queueWorkerAddJob(adapter, { name: "boom2" });
    await withWorker(
      adapter,
      {
        maxRetryCount: 4,
        handler: {
          boom2: async () => {
            attempts++;
            throw new Error("x");
          },
        },
      },
      async () => {
        await waitUntilComplete(adapter, second, "giving up");
      },
    );
    expect(attempts).toBe(4);
    expect((await queueWorkerGetJob(adapter, second))!.retryCount).toBe(4);
  });

  it("records non-Error throws as failures", async () => {
    const adapter = await queue();
    const circular = new Error("outer");
    (circular as { cause?: unknown }).cause = circular;
    const getterBomb = {
      get message(): string {
        throw new Error("getter");
      },
    };
    const throwables: Record<string, unknown> = {
      str: "a plain string",
      nul: null,
      undef: undefined,
      getter: getterBomb,
      circular,
      nulChar: new Error("nul \u0000 and lone \uD800 surrogate"),
      huge: new Error("e".repeat(100_000)),
    };
    const ids: Record<string, number> = {};
    for (const name of Object.keys(throwables))
      ids[name] = await queueWorkerAddJob(adapter, { name });
    const handler = Object.fromEntries(
      Object.entries(throwables).map(([name, value]) => [
        name,
        async () => {
          throw value;
        },
      ]),
    );
    await withWorker(adapter, { maxRetryCount: 1, handler }, async () => {
      await waitFor(
        async () =>
          (await queueWorkerListJobs(adapter, { state: "failed" })).length ===
          Object.keys(ids).length,
        { what: "every job to fail" },
      );
    });
    for (const name of Object.keys(ids)) {
      const job = await queueWorkerGetJob(adapter, ids[name]!);
      expect(job).toMatchObject({ isComplete: true, retryCount: 1 });
      expect(typeof job!.lastError).toBe("string");
      expect(job!.lastError!.length).toBeLessThanOrEqual(8_000);
      expect(job!.lastError).not.toContain("\u0000");
    }
    expect((await queueWorkerGetJob(adapter, ids.str!))!.lastError).toContain("a plain string");
  });

  it("deletes finished jobs with deleteJobOnCompletion, on success and after the last failure", async () => {
    const adapter = await queue();
    const ok = await queueWorkerAddJob(adapter, { name: "ok" });
    const bad = await queueWorkerAddJob(adapter, { name: "bad" });
    let badAttempts = 0;
    let retryCountAfterFirstFailure: number | undefined;
    await withWorker(
      adapter,
      {
        deleteJobOnCompletion: true,
        handler: {
          ok: async () => {},
          bad: async (_e, _db, job) => {
            badAttempts++;
            if (job.retryCount === 1)
              retryCountAfterFirstFailure = (await queueWorkerGetJob(adapter, bad))?.retryCount;
            throw new Error("no");
          },
        },
      },
      async () => {
        await waitFor(async () => (await queueWorkerListJobs(adapter, {})).length === 0, {
          what: "both deleted",
        });
      },
    );
    expect(await queueWorkerGetJob(adapter, ok)).toBeNull();
    expect(await queueWorkerGetJob(adapter, bad)).toBeNull();
    expect(badAttempts).toBe(2);
    expect(retryCountAfterFirstFailure).toBe(1);
  });

  it("moves scheduledAt forward with a retry backoff", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "flaky" });
    let attempts = 0;
    await withWorker(
      adapter,
      {
        maxRetryCount: 3,
        retryBackoff: { type: "fixed", delayMs: HOUR },
        handler: {
          flaky: async () => {
            attempts++;
            throw new Error("later");
          },
        },
      },
      async () => {
        await waitFor(async () => (await queueWorkerGetJob(adapter, id))!.retryCount === 1, {
          what: "first failure",
        });
        await delay(300);
      },
    );
    expect(attempts).toBe(1);
    const job = await queueWorkerGetJob(adapter, id);
    const now = await adapter.now();
    expect(job!.scheduledAt.getTime()).toBeGreaterThan(now.getTime() + HOUR / 2);
    expect(job!.isComplete).toBe(false);
  });

  it("keeps serving jobs when the database fails outside a handler", async () => {
    const adapter = await queue();
    let failures = 0;
    const flaky = Object.create(adapter) as typeof adapter;
    flaky.claim = (request) => {
      if (failures < 3) {
        failures++;
        return Promise.reject(new Error("simulated lost connection"));
      }
      return adapter.claim(request);
    };
    const id = await queueWorkerAddJob(adapter, { name: "a" });
    await withWorker(flaky, { handler: { a: async () => {} } }, async () => {
      await waitUntilComplete(adapter, id, "completion after errors");
    });
    expect(failures).toBe(3);
  });

  it("retries recording a result after a transient database error, recording it once", async () => {
    const adapter = await queue();
    let transientFailures = 0;
    const flaky = Object.create(adapter) as typeof adapter;
    flaky.complete = (outcomes) => {
      if (transientFailures < 2) {
        transientFailures++;
        return Promise.reject(
          new DocketError("database_error", "simulated deadlock", { retryable: true }),
        );
      }
      return adapter.complete(outcomes);
    };
    const id = await queueWorkerAddJob(adapter, { name: "a" });
    let runs = 0;
    await withWorker(flaky, { handler: { a: async () => void runs++ } }, async () => {
      await waitUntilComplete(adapter, id, "the recorded result");
    });
    expect(transientFailures).toBe(2);
    expect(runs).toBe(1);
    expect(await queueWorkerGetJob(adapter, id)).toMatchObject({ retryCount: 0, failedAt: null });
  });

  it("lets event helpers work while running and throw abort errors after the timeout", async () => {
    const adapter = await queue();
    const id = await queueWorkerAddJob(adapter, { name: "t", handlerTimeout: 100 });
    const results: unknown[] = [];
    await withWorker(
      adapter,
      {
        maxRetryCount: 1,
        handler: {
          t: async (event) => {
            const child = newEventFromEvent(event);
            eventStart(child, "step");
            eventRename(child, "step.renamed");
            await new Promise((resolve) => event.signal!.addEventListener("abort", resolve));
            for (const call of [
              () => eventStart(child, "x"),
              () => newEventFromEvent(event),
              () => eventRename(event, "y"),
            ]) {
              try {
                call();
                results.push("no throw");
              } catch (error) {
                results.push(isAbortError(error));
              }
            }
          },
        },
      },
      async () => {
        await waitUntilComplete(adapter, id, "timeout");
        await waitFor(() => results.length === 3, { what: "the handler to finish" });
      },
    );
    expect(results).toEqual([true, true, true]);
    expect((await queueWorkerGetJob(adapter, id))!.lastError).toMatch(/timed out/);
  });
}
