/**
 * Handlers that end their own process (`process.exit`) while other jobs run beside them,
 * again and again, with every dead worker replaced. Some exit at once — in the same turn
 * of the event loop their worker started them in, right after the claim that handed them
 * out — some after a while. Every job must end completed or failed; none may be stranded
 * (incomplete with its attempts used up, which no claim will ever pick again).
 *
 * This is the experiment that catches a give-up that is not atomic with the claim that
 * counts the last attempt: a worker whose claim takes over an exhausted job queues its
 * `abandoned` outcome for the next write, and a job from the same claim that exits at once
 * kills the process before that write.
 */
import type { JobRecord } from "@docket/core";
import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, warnIfSkipped } from "../src/backends.ts";
import {
  allJobs,
  checkReruns,
  isStranded,
  isUnsettled,
  percentile,
  printFigures,
} from "../src/checks.ts";
import type { WorkData } from "../src/child-protocol.ts";
import { killAllChildren, type WorkerProcess } from "../src/children.ts";
import {
  deathsOf,
  enqueueWork,
  runsOf,
  sleep,
  spawnWorker,
  startWorkers,
  withQueue,
  workerRole,
} from "../src/experiment.ts";
import { currentScale } from "../src/scale.ts";

const scale = currentScale();
afterEach(killAllChildren);

const LEASE_MS = 1_000;
const MAX_RETRY_COUNT = 2;
/** One job in this many ends its process: two in three at once, the others after their work. */
const EXIT_EVERY = 5;

function workload(count: number): WorkData[] {
  return Array.from({ length: count }, (_, i) => {
    const ms = 50 + Math.floor(Math.random() * 200);
    if (i % EXIT_EVERY !== EXIT_EVERY - 1) return { ms };
    return { ms, exit: Math.floor(i / EXIT_EVERY) % 3 === 2 ? "later" : "now" };
  });
}

for (const backend of BACKENDS) {
  warnIfSkipped(backend);
  describe.skipIf(backend.url === null)(`${backend.dialect}: process.exit in handlers`, () => {
    it(
      "handlers exiting their process beside others, repeatedly: every job completed or failed, none stranded",
      async () => {
        await withQueue(backend, async (queue) => {
          const startedAt = Date.now();
          const deadline = startedAt + scale.experimentBudgetMs;
          const role = workerRole(scale, { leaseMs: LEASE_MS, maxRetryCount: MAX_RETRY_COUNT });
          const data = workload(scale.exitJobs);
          const ids = await enqueueWork(queue, data);
          const exiting = new Set(ids.filter((_, i) => data[i]?.exit !== undefined));
          const workers: WorkerProcess[] = await startWorkers(queue, scale, scale.processes, role);

          // Replace every worker that died until no job has a future left without help:
          // each is finished, or stranded (incomplete, attempts used up, lease expired).
          let settledSince: number | null = null;
          let jobs: JobRecord[] = [];
          for (;;) {
            for (const worker of workers.filter((w) => !w.alive && !w.replaced)) {
              worker.replaced = true;
              workers.push(spawnWorker(queue, scale, role));
            }
            jobs = await allJobs(queue.adapter);
            const now = await queue.adapter.now();
            const unsettled = jobs.filter((job) => isUnsettled(job, MAX_RETRY_COUNT, now));
            if (unsettled.length > 0) settledSince = null;
            else settledSince ??= Date.now();
            // Once settled, keep the workers running a little longer: a queue that repairs
            // stranded rows on its next claim gets the chance to.
            if (settledSince !== null && Date.now() - settledSince > 2 * LEASE_MS + 1_000) break;
            if (Date.now() > deadline) break;
            await sleep(250);
          }
          const deaths = deathsOf(workers);
          await Promise.all(workers.filter((w) => w.working).map((worker) => worker.stop()));
          await killAllChildren(); // workers still starting when the queue settled
          const durationMs = Date.now() - startedAt;

          jobs = await allJobs(queue.adapter);
          const now = await queue.adapter.now();
          const runs = runsOf(queue);
          const stranded = jobs.filter((job) => isStranded(job, MAX_RETRY_COUNT, now));
          const unfinished = jobs.filter((job) => !job.isComplete && !stranded.includes(job));
          const failed = jobs.filter((job) => job.isComplete && job.failedAt !== null);
          // A job that never exits may fail only through deaths of the processes it ran in.
          const failedWithoutDeath = failed.filter(
            (job) =>
              !exiting.has(job.id) && (runs.get(job.id) ?? []).some((run) => !deaths.has(run.pid)),
          );
          const exitingSucceeded = jobs.filter(
            (job) => exiting.has(job.id) && job.isComplete && job.failedAt === null,
          );
          const overAttempted = ids.filter((id) => (runs.get(id)?.length ?? 0) > MAX_RETRY_COUNT);
          const reruns = checkReruns(runs, deaths);
          printFigures({
            backend: backend.dialect,
            experiment: "process-exit",
            jobs: ids.length,
            lost: unfinished.length,
            ranTwice: reruns.ranTwice,
            stranded: stranded.length,
            recoveryMs: null,
            extra: {
              exiting_jobs: exiting.size,
              deaths: deaths.size,
              processes_spawned: workers.length,
              failed: failed.length,
              rerun_in_outcome_window: reruns.afterOutcomeWindowDeath,
              outcome_window_max_ms: percentile(reruns.outcomeWindowMs, 1),
              duration_ms: durationMs,
            },
          });
          expect(
            stranded.map((job) => ({
              id: job.id,
              retryCount: job.retryCount,
              error: job.lastError,
            })),
            "stranded: incomplete with attempts used up, never to be claimed again",
          ).toEqual([]);
          expect(
            unfinished.map((job) => job.id),
            "jobs not finished within the time budget",
          ).toEqual([]);
          expect(jobs.length, "rows in the table").toBe(ids.length);
          expect(deaths.size, "handlers ended their processes").toBeGreaterThan(0);
          expect(
            failedWithoutDeath.map((job) => ({
              id: job.id,
              error: job.lastError?.slice(0, 120),
              retryCount: job.retryCount,
              runs: (runs.get(job.id) ?? []).map((run) => ({
                pid: run.pid,
                ended: run.endedAt !== null,
                died: deaths.has(run.pid),
                exit: workers.find((worker) => worker.pid === run.pid)?.exit,
              })),
            })),
            "failed jobs that ran in a process that did not die",
          ).toEqual([]);
          expect(
            exitingSucceeded.map((job) => job.id),
            "jobs that end their process recorded as succeeded",
          ).toEqual([]);
          expect(overAttempted, "jobs started more often than maxRetryCount").toEqual([]);
          expect(reruns.unexplained, "re-runs where no worker died").toEqual([]);
        });
      },
      scale.experimentBudgetMs + 120_000,
    );
  });
}
