import { jobState, queueWorkerAddJob, queueWorkerGetJob, type StorageAdapter } from "@docket/core";
import { claimRequest, outcome, waitFor } from "@docket/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDocket, startDocket } from "./cli-runner.ts";

const HOUR = 3_600_000;
const HANDLERS = new URL("./fixtures/handlers.mjs", import.meta.url).pathname;

/** One database the CLI suite runs against. */
export interface CliTarget {
  label: string;
  /** `--db` value and a fresh table for this run. */
  url: string;
  table: string;
  /** An in-process adapter on the same queue, to set up and inspect jobs. */
  open(): Promise<StorageAdapter>;
  /** Drops what the run created. */
  cleanup(adapter: StorageAdapter): Promise<void>;
}

/**
 * The `docket` binary against one database, end to end: every command is a real child
 * process; jobs are set up (failed, running, cron) and checked through the library.
 */
export function describeCli(target: () => CliTarget): void {
  let t: CliTarget;
  let adapter: StorageAdapter;
  const docket = (...args: string[]) => runDocket(["--db", t.url, "--table", t.table, ...args]);
  const json = async (...args: string[]) => {
    const run = await docket(...args, "--json");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout);
  };
  const fail = async (name: string) => {
    await queueWorkerAddJob(adapter, { name });
    const claim = await adapter.claim(claimRequest({ names: [name], limit: 1, leaseMs: HOUR }));
    const job = claim.jobs[0]!;
    await adapter.complete([outcome(job.id, job.lockedBy!, { kind: "failed", error: "boom" })]);
    return job.id;
  };

  beforeAll(async () => {
    t = target();
    const run = await docket("migrate");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/^migrated/);
    adapter = await t.open();
  });
  afterAll(async () => {
    if (adapter !== undefined) {
      await t.cleanup(adapter);
      await adapter.close();
    }
  });

  // Every command is a fresh node process (about a second each, more on a busy machine).
  describe("jobs", { timeout: 120_000 }, () => {
    it("adds jobs and lists them as a table and as JSON", async () => {
      const { id } = await json("add", "cli.a", "--data", '{"to":"a@b.c"}', "--priority", "2");
      const later = await json("add", "cli.a", "--delay", String(HOUR));
      expect(await queueWorkerGetJob(adapter, id)).toMatchObject({
        name: "cli.a",
        data: { to: "a@b.c" },
        priority: 2,
      });
      const pending = await json("ls", "--name", "cli.a", "--state", "pending");
      expect(pending.map((job: { id: number }) => job.id)).toEqual([id]);
      expect(pending[0]).toMatchObject({ state: "pending", data: { to: "a@b.c" } });
      const scheduled = await json("ls", "--name", "cli.a", "--state", "scheduled");
      expect(scheduled.map((job: { id: number }) => job.id)).toEqual([later.id]);

      const table = await docket("ls", "--name", "cli.a");
      expect(table.code).toBe(0);
      const lines = table.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^ID\s+NAME\s+STATE\s+PRI\s+ATTEMPTS/);
      expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual([
        String(later.id),
        String(id),
      ]);
      // NO_COLOR (and no terminal): no escape codes.
      expect(table.stdout).not.toContain("\u001b[");
    });

    it("shows one job, and exits 3 for a missing one", async () => {
      const id = await fail("cli.show");
      const shown = await json("show", String(id));
      expect(shown).toMatchObject({ id, name: "cli.show", state: "failed", lastError: "boom" });
      const text = await docket("show", String(id));
      expect(text.stdout).toMatch(/state\s+failed/);
      expect(text.stdout).toContain("boom");
      const missing = await docket("show", "987654321");
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain("not found");
    });

    it("rejects bad input with exit 2 and writes nothing", async () => {
      const before = (await adapter.listJobs({ limit: 10_000 })).length;
      expect((await docket("add", "cli.bad", "--data", "{oops")).code).toBe(2);
      expect((await docket("add", "", "--json")).code).toBe(2);
      expect((await docket("ls", "--state", "done")).code).toBe(2);
      expect((await adapter.listJobs({ limit: 10_000 })).length).toBe(before);
    });
  });

  describe("actions", { timeout: 120_000 }, () => {
    it("retries a failed job, and refuses a running one with exit 3", async () => {
      const failed = await fail("cli.retry");
      const retried = await docket("retry", String(failed));
      expect(retried).toMatchObject({ code: 0 });
      expect(retried.stdout).toContain(`retried job ${failed}`);
      const job = (await queueWorkerGetJob(adapter, failed))!;
      expect(jobState(job, await adapter.now())).toBe("pending");
      expect(job).toMatchObject({ retryCount: 0, lastError: "boom" });

      const running = await queueWorkerAddJob(adapter, { name: "cli.running" });
      await adapter.claim(claimRequest({ names: ["cli.running"], limit: 1, leaseMs: HOUR }));
      for (const action of ["retry", "cancel", "delete"]) {
        const refused = await docket(action, String(running), "--json");
        expect(refused.code).toBe(3);
        expect(JSON.parse(refused.stdout)).toEqual({
          id: running,
          ok: false,
          reason: "running",
          state: "running",
        });
      }
      expect((await queueWorkerGetJob(adapter, running))!.lockedBy).not.toBeNull();
    });

    it("retries all failed jobs of a name", async () => {
      await fail("cli.bulk");
      await fail("cli.bulk");
      expect(await json("retry", "--failed", "--name", "cli.bulk")).toEqual({ retried: 2 });
      expect(await json("retry", "--failed", "--name", "cli.bulk")).toEqual({ retried: 0 });
      expect((await docket("retry", "--name", "cli.bulk")).code).toBe(2);
    });

    it("cancels a pending job once and deletes a finished one", async () => {
      const id = await queueWorkerAddJob(adapter, { name: "cli.cancel" });
      expect((await docket("cancel", String(id))).code).toBe(0);
      expect((await queueWorkerGetJob(adapter, id))!.cancelledAt).toBeInstanceOf(Date);
      const again = await docket("cancel", String(id));
      expect(again.code).toBe(3);
      expect(again.stderr).toContain("cancelled");
      expect((await docket("delete", String(id))).code).toBe(0);
      expect(await queueWorkerGetJob(adapter, id)).toBeNull();
      expect((await docket("delete", String(id))).code).toBe(3);
    });
  });

  describe("queue", { timeout: 120_000 }, () => {
    it("reports insights by name as JSON", async () => {
      await queueWorkerAddJob(adapter, { name: "cli.insight" });
      await fail("cli.insight");
      const insights = await json("insights");
      const row = insights.byName.find((c: { name: string }) => c.name === "cli.insight");
      expect(row).toEqual({
        name: "cli.insight",
        pending: 1,
        scheduled: 0,
        running: 0,
        completed: 0,
        failed: 1,
        cancelled: 0,
      });
      expect(insights.totals.failed).toBeGreaterThanOrEqual(1);
    });

    it("lists cron jobs with their next run times", async () => {
      const next = new Date(Date.UTC(2031, 0, 1, 3, 0, 0));
      await adapter.syncCron([
        {
          name: "cli.nightly",
          cronExpression: "0 3 * * *",
          priority: 5,
          nextRunAt: next,
          dataJson: "{}",
        },
      ]);
      const [cron] = await json("cron", "ls");
      expect(cron).toMatchObject({ name: "cli.nightly", cronExpression: "0 3 * * *" });
      expect(cron.nextRuns).toEqual([
        "2031-01-01T03:00:00.000Z",
        "2031-01-02T03:00:00.000Z",
        "2031-01-03T03:00:00.000Z",
      ]);
      const text = await docket("cron", "ls");
      expect(text.stdout).toMatch(/cli\.nightly\s+0 3 \* \* \*\s+scheduled\s+2031-01-01 03:00:00Z/);
    });

    it("cleans up finished jobs in batches, with progress on stderr", async () => {
      for (let i = 0; i < 3; i++) await fail("cli.old");
      const run = await docket("cleanup", "--days", "0", "--batch", "2", "--json");
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).deleted).toBeGreaterThanOrEqual(3);
      expect(run.stderr).toContain("so far");
      expect(await adapter.listJobs({ state: "failed", limit: 100 })).toEqual([]);
      expect((await docket("cleanup")).code).toBe(2);
    });

    it("works jobs from a handler module and stops gracefully on SIGTERM", async () => {
      const echo = await queueWorkerAddJob(adapter, { name: "cli.echo" });
      const worker = startDocket([
        "--db",
        t.url,
        "--table",
        t.table,
        "work",
        "--handlers",
        HANDLERS,
      ]);
      await waitFor(async () => (await queueWorkerGetJob(adapter, echo))?.isComplete, {
        timeoutMs: 60_000,
        what: "the worker to run cli.echo",
      });
      const slow = await queueWorkerAddJob(adapter, { name: "cli.slow" });
      await waitFor(async () => (await queueWorkerGetJob(adapter, slow))?.lockedBy, {
        timeoutMs: 30_000,
        what: "the worker to start cli.slow",
      });
      worker.child.kill("SIGTERM");
      const run = await worker.done;
      expect(run.code).toBe(0);
      expect(run.stderr).toContain("stopped");
      // The stop waited for the running job (or handed it back): it is not left leased.
      const after = (await queueWorkerGetJob(adapter, slow))!;
      expect(after.lockedBy === null || after.isComplete).toBe(true);
      expect((await queueWorkerGetJob(adapter, echo))!.failedAt).toBeNull();
    });
  });
}
