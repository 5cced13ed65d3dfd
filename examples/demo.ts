/**
 * Docket on an embedded SQLite file: jobs of different priorities, a scheduled job, a
 * cron job, a worker running them all, and the queue's insights at the end.
 * Run with `pnpm demo`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import {
  type Logger,
  newEvent,
  queueWorkerAddJob,
  queueWorkerCreate,
  queueWorkerListJobs,
  queueWorkerRegisterCronJobs,
} from "@docket/core";
import { jobQueueInsights } from "@docket/jobs-builtin";

const started = Date.now();
const say = (line: string) =>
  console.log(`[+${String(Date.now() - started).padStart(5)} ms] ${line}`);
// Workers log JSON lines by default; the demo keeps only errors to keep the output readable.
const quietLogger: Logger = {
  info: () => {},
  error: (entry) => {
    const firstLine = String(entry.error ?? "").split("\n")[0];
    say(`${String(entry.jobName ?? entry.type).padEnd(14)} ✗ ${firstLine} (it will be retried)`);
  },
};

const dir = mkdtempSync(join(tmpdir(), "docket-demo-"));
const adapter = createSqliteAdapter({ filename: join(dir, "jobs.db") });
await adapter.migrate();
say(`queue ready in ${join(dir, "jobs.db")}`);

// Lower priority runs first; equal priorities run in order of scheduledAt, then id.
await queueWorkerAddJob(adapter, {
  name: "email.send",
  data: { to: "last@example.com" },
  priority: 9,
});
await queueWorkerAddJob(adapter, {
  name: "email.send",
  data: { to: "first@example.com" },
  priority: 0,
});
await queueWorkerAddJob(adapter, { name: "report.build", data: { month: "2026-11" } });
await queueWorkerAddJob(adapter, {
  name: "reminder.send",
  data: { text: "scheduled 2 seconds ahead" },
  scheduledAt: new Date(Date.now() + 2_000),
});
await queueWorkerAddJob(adapter, { name: "flaky.task", data: {}, priority: 1 });
await queueWorkerRegisterCronJobs(adapter, {
  jobs: [{ name: "heartbeat.tick", cronExpression: "* * * * * *" }],
});
say("enqueued 5 jobs and registered the cron job heartbeat.tick (every second)");

let cronRuns = 0;
let reminderDone = false;
let flakyAttempts = 0;
const worker = queueWorkerCreate(adapter, {
  pollInterval: 200,
  logger: quietLogger,
  handler: {
    "email.send": async (_event, _db, job) =>
      say(`email.send     → ${(job.data as { to: string }).to} (priority ${job.priority})`),
    "report.build": async (event, _db, job) => {
      say(
        `report.build   → building ${(job.data as { month: string }).month}, timeout signal attached: ${event.signal !== undefined}`,
      );
    },
    "flaky.task": async () => {
      flakyAttempts += 1;
      if (flakyAttempts === 1) throw new Error("the first attempt fails on purpose");
      say(`flaky.task     → succeeded on attempt ${flakyAttempts} (the failure was retried)`);
    },
    "reminder.send": async (_event, _db, job) => {
      reminderDone = true;
      say(`reminder.send  → ran at its scheduled time (${job.scheduledAt.toISOString()})`);
    },
    "heartbeat.tick": async (_event, _db, job) => {
      cronRuns += 1;
      say(`heartbeat.tick → cron run ${cronRuns}, expression ${job.cronExpression}`);
    },
  },
});
worker.start();

while (!(reminderDone && cronRuns >= 2)) await new Promise((resolve) => setTimeout(resolve, 100));
await worker.stop();
say("worker stopped");

await queueWorkerAddJob(adapter, { name: "nobody.handles.this" });
const insightsLogger: Logger = { info: () => {}, error: () => {} };
const job = (await queueWorkerListJobs(adapter, { limit: 1 }))[0]!;
const counts = await jobQueueInsights()(newEvent(insightsLogger), adapter.db, job, { adapter });
say(`insights: ${JSON.stringify(counts)}`);
const failed = await queueWorkerListJobs(adapter, { state: "failed" });
const completed = await queueWorkerListJobs(adapter, { state: "completed" });
say(`history: ${completed.length} completed, ${failed.length} failed`);

await adapter.close();
rmSync(dir, { recursive: true, force: true });
say("done");
