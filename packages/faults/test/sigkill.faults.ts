/**
 * A SIGKILL loop: while several worker processes drain a queue with short leases, a
 * random worker that is in the middle of a handler is killed, again and again, and
 * replaced. Nothing may be lost, and the ledger may show a job run again only where the
 * process of its earlier run was killed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, warnIfSkipped } from "../src/backends.ts";
import {
  allJobs,
  checkReruns,
  isStranded,
  neverSucceeded,
  percentile,
  printFigures,
} from "../src/checks.ts";
import { killAllChildren, type WorkerProcess } from "../src/children.ts";
import {
  deathsOf,
  durations,
  enqueueWork,
  feedQueue,
  runsOf,
  sleep,
  spawnWorker,
  startWorkers,
  waitUntil,
  withQueue,
  workerRole,
} from "../src/experiment.ts";
import { readLedger } from "../src/ledger.ts";
import { currentScale } from "../src/scale.ts";

const scale = currentScale();
afterEach(killAllChildren);

/** Short leases so a killed worker's jobs are taken over within seconds. */
const LEASE_MS = 1_500;
/** Enough attempts that kills never exhaust a job: every job must end succeeded. */
const MAX_RETRY_COUNT = 50;

/** Processes in the middle of a handler right now, by the ledger (a start with no end). */
function pidsMidRun(directory: string): Set<number> {
  const open = new Map<string, number>();
  for (const record of readLedger(directory)) {
    const key = `${record.jobId}:${record.pid}`;
    open.set(key, (open.get(key) ?? 0) + (record.kind === "start" ? 1 : -1));
  }
  const pids = new Set<number>();
  for (const [key, count] of open) if (count > 0) pids.add(Number(key.split(":")[1]));
  return pids;
}

for (const backend of BACKENDS) {
  warnIfSkipped(backend);
  describe.skipIf(backend.url === null)(`${backend.dialect}: SIGKILL loop`, () => {
    it(
      "random workers killed mid-run: nothing lost, re-runs only where a worker died",
      async () => {
        await withQueue(backend, async (queue) => {
          const startedAt = Date.now();
          const deadline = startedAt + scale.experimentBudgetMs;
          const role = workerRole(scale, { leaseMs: LEASE_MS, maxRetryCount: MAX_RETRY_COUNT });
          const slots = scale.processes * scale.parallelCount;
          const ids = await enqueueWork(queue, durations(3 * slots, 150, 400));
          const workers: WorkerProcess[] = await startWorkers(queue, scale, scale.processes, role);
          // Keep the queue loaded until the last kill, so there is always a handler to hit.
          const stopFeeding = feedQueue(queue, ids, {
            low: 2 * slots,
            batch: () => durations(slots, 150, 400),
            max: scale.killJobs,
            deadline,
          });

          let kills = 0;
          while (kills < scale.kills && Date.now() < deadline) {
            await sleep(300 + Math.random() * 600);
            const midRun = pidsMidRun(queue.directory);
            // Always leave one started worker alive: a takeover then measures the lease, not
            // how long a replacement process takes to start on a busy machine.
            if (workers.filter((worker) => worker.working).length < 2) continue;
            const victims = workers.filter((worker) => worker.working && midRun.has(worker.pid));
            const victim = victims[Math.floor(Math.random() * victims.length)];
            if (victim === undefined) continue;
            victim.kill();
            kills += 1;
            workers.push(spawnWorker(queue, scale, role));
          }
          await stopFeeding();
          await waitUntil(
            "the queue to drain",
            deadline,
            async () => {
              const counts = await queue.adapter.insights();
              return counts.pendingCount + counts.scheduledCount === 0;
            },
            250,
          );
          const deaths = deathsOf(workers);
          await Promise.all(workers.filter((w) => w.alive).map((worker) => worker.stop()));
          const durationMs = Date.now() - startedAt;

          const jobs = await allJobs(queue.adapter);
          const now = await queue.adapter.now();
          const runs = runsOf(queue);
          const succeeded = new Set(
            jobs.filter((job) => job.isComplete && job.failedAt === null).map((job) => job.id),
          );
          const lost = [
            ...new Set([...ids.filter((id) => !succeeded.has(id)), ...neverSucceeded(ids, runs)]),
          ];
          const stranded = jobs.filter((job) => isStranded(job, MAX_RETRY_COUNT, now));
          const reruns = checkReruns(runs, deaths);
          printFigures({
            backend: backend.dialect,
            experiment: "sigkill",
            jobs: ids.length,
            lost: lost.length,
            ranTwice: reruns.ranTwice,
            stranded: stranded.length,
            recoveryMs: percentile(reruns.takeoverMs, 1),
            extra: {
              kills,
              takeover_p50_ms: percentile(reruns.takeoverMs, 0.5),
              rerun: reruns.rerun,
              rerun_after_mid_run_kill: reruns.afterMidRunDeath,
              rerun_in_outcome_window: reruns.afterOutcomeWindowDeath,
              outcome_window_max_ms: percentile(reruns.outcomeWindowMs, 1),
              lease_ms: LEASE_MS,
              duration_ms: durationMs,
            },
          });
          expect(kills, "the loop killed as many workers as planned").toBe(scale.kills);
          expect(lost, "jobs not succeeded, or with no ended run in the ledger").toEqual([]);
          expect(stranded.map((job) => job.id)).toEqual([]);
          expect(reruns.unexplained, "re-runs where no worker died").toEqual([]);
          // Every kill hit a handler mid-run, so the ledger must show re-runs after them.
          expect(reruns.afterMidRunDeath).toBeGreaterThanOrEqual(kills);
        });
      },
      scale.experimentBudgetMs + 120_000,
    );
  });
}
