/**
 * The database goes away under load — Postgres: every connection of the workers
 * terminated, round after round, for two seconds; MariaDB: every one `KILL`ed the same
 * way; SQLite: another process holding the write lock longer than `busy_timeout`. The
 * workers must recover by themselves (no process exits, none is restarted) and lose
 * nothing. Recovery time: from the end of the outage to the start of a job enqueued then.
 */
import { queueWorkerAddJob } from "@docket/core";
import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, warnIfSkipped } from "../src/backends.ts";
import { allJobs, checkReruns, neverSucceeded, printFigures } from "../src/checks.ts";
import { WORK_JOB } from "../src/child-protocol.ts";
import { killAllChildren } from "../src/children.ts";
import {
  deathsOf,
  durations,
  endedJobs,
  enqueueWork,
  feedQueue,
  loggedErrors,
  runsOf,
  sleep,
  startWorkers,
  waitUntil,
  withQueue,
  workerRole,
} from "../src/experiment.ts";
import { readLedger } from "../src/ledger.ts";
import { currentScale } from "../src/scale.ts";
import type { Dialect } from "../src/target.ts";

const scale = currentScale();

/**
 * Longer than the outage (SQLite's write lock is held for seconds, the connection kills
 * last two) plus a missed heartbeat, and short enough that a job whose claim committed
 * unseen is taken over within the experiment's time.
 */
const LEASE_MS: Record<Dialect, number> = { sqlite: 20_000, postgres: 8_000, mysql: 8_000 };
afterEach(killAllChildren);

for (const backend of BACKENDS) {
  warnIfSkipped(backend);
  describe.skipIf(backend.url === null)(`${backend.dialect}: database outage`, () => {
    it(
      "the database goes away under load: workers recover without a restart, nothing lost",
      async () => {
        await withQueue(backend, async (queue) => {
          const startedAt = Date.now();
          const deadline = startedAt + scale.experimentBudgetMs;
          const slots = scale.processes * scale.parallelCount;
          // Leases outlast every outage: no job is taken over, so none may run twice.
          const role = workerRole(scale, { leaseMs: LEASE_MS[backend.dialect], pollInterval: 200 });
          const ids = await enqueueWork(queue, durations(4 * slots, 50, 150));
          const workers = await startWorkers(queue, scale, scale.processes, role);

          // Keep the queue loaded until the outages are over.
          const stopFeeding = feedQueue(queue, ids, {
            low: 3 * slots,
            batch: () => durations(2 * slots, 50, 150),
            max: scale.outageJobs,
            deadline,
          });
          const recoveries: number[] = [];
          const outages: string[] = [];
          try {
            await waitUntil("the workers to get going", deadline, () => endedJobs(queue) >= slots);
            for (let i = 0; i < scale.outages; i++) {
              const outage = await queue.outage();
              outages.push(outage.description);
              const probe = await queueWorkerAddJob(queue.adapter, {
                name: WORK_JOB,
                data: { ms: 0 },
                priority: 0,
              });
              ids.push(probe);
              let probeStartedAt = 0;
              await waitUntil(
                "a job enqueued after the outage to start",
                deadline,
                () => {
                  const start = readLedger(queue.directory).find(
                    (record) => record.jobId === probe && record.kind === "start",
                  );
                  probeStartedAt = start?.at ?? 0;
                  return start !== undefined;
                },
                20,
              );
              recoveries.push(probeStartedAt - outage.endedAt);
              await sleep(500);
            }
          } finally {
            await stopFeeding();
          }
          const outagesOverMs = Date.now() - startedAt;
          await waitUntil(
            "the queue to drain",
            deadline,
            async () => {
              const counts = await queue.adapter.insights();
              return counts.pendingCount + counts.scheduledCount === 0;
            },
            250,
          );
          const drainedMs = Date.now() - startedAt;
          const diedOrRestarted = workers.filter((worker) => !worker.alive).map((w) => w.pid);
          const deaths = deathsOf(workers);
          await Promise.all(workers.map((worker) => worker.stop()));
          const durationMs = Date.now() - startedAt;

          const jobs = await allJobs(queue.adapter);
          const runs = runsOf(queue);
          const succeeded = new Set(
            jobs.filter((job) => job.isComplete && job.failedAt === null).map((job) => job.id),
          );
          const lost = [
            ...new Set([...ids.filter((id) => !succeeded.has(id)), ...neverSucceeded(ids, runs)]),
          ];
          const reruns = checkReruns(runs, deaths);
          // Attempts the table counts that the ledger never saw start: a claim that committed
          // although its connection died before the worker heard so (the job then waits for
          // its lease to expire, and the takeover counts the attempt).
          const phantomAttempts = jobs.reduce(
            (sum, job) => sum + Math.max(0, job.retryCount - ((runs.get(job.id)?.length ?? 1) - 1)),
            0,
          );
          printFigures({
            backend: backend.dialect,
            experiment: "outage",
            jobs: ids.length,
            lost: lost.length,
            ranTwice: reruns.ranTwice,
            stranded: 0,
            recoveryMs: Math.max(...recoveries),
            extra: {
              outages: outages.length,
              recoveries_ms: recoveries.join(","),
              last_outage: JSON.stringify(outages.at(-1)),
              phantom_attempts: phantomAttempts,
              worker_errors_logged: loggedErrors(queue).length,
              outages_over_at_ms: outagesOverMs,
              drained_at_ms: drainedMs,
              duration_ms: durationMs,
            },
          });
          expect(diedOrRestarted, "worker processes that exited during the outages").toEqual([]);
          expect(lost, "jobs not succeeded, or with no ended run in the ledger").toEqual([]);
          expect(reruns.rerun, "jobs run more than once (leases outlast the outages)").toBe(0);
          expect(recoveries.length).toBe(scale.outages);
        });
      },
      scale.experimentBudgetMs + 120_000,
    );
  });
}
