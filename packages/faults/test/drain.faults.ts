/**
 * Several worker processes drain one queue. No faults: the baseline every other
 * experiment builds on. Every job must end completed, and the ledger must show exactly one
 * run of each — started once, ended once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, warnIfSkipped } from "../src/backends.ts";
import { allJobs, printFigures } from "../src/checks.ts";
import { killAllChildren } from "../src/children.ts";
import {
  durations,
  enqueueWork,
  runsOf,
  startWorkers,
  waitUntil,
  withQueue,
  workerRole,
} from "../src/experiment.ts";
import { currentScale } from "../src/scale.ts";

const scale = currentScale();
afterEach(killAllChildren);

for (const backend of BACKENDS) {
  warnIfSkipped(backend);
  describe.skipIf(backend.url === null)(`${backend.dialect}: drain`, () => {
    it(
      "several processes drain one queue: every job completed, exactly one successful run each",
      async () => {
        await withQueue(backend, async (queue) => {
          const startedAt = Date.now();
          const deadline = startedAt + scale.experimentBudgetMs;
          const ids = await enqueueWork(queue, durations(scale.drainJobs, 0, 10));
          const workers = await startWorkers(queue, scale, scale.processes, workerRole(scale));
          await waitUntil(
            "the queue to drain",
            deadline,
            async () => {
              const counts = await queue.adapter.insights();
              return counts.pendingCount + counts.scheduledCount === 0;
            },
            250,
          );
          await Promise.all(workers.map((worker) => worker.stop()));
          const durationMs = Date.now() - startedAt;

          const jobs = await allJobs(queue.adapter);
          const runs = runsOf(queue);
          const completed = new Set(
            jobs.filter((job) => job.isComplete && job.failedAt === null).map((job) => job.id),
          );
          const lost = ids.filter((id) => !completed.has(id) || !runs.get(id)?.[0]?.endedAt);
          const ranTwice = ids.filter((id) => (runs.get(id)?.length ?? 0) > 1);
          printFigures({
            backend: backend.dialect,
            experiment: "drain",
            jobs: ids.length,
            lost: lost.length,
            ranTwice: ranTwice.length,
            stranded: 0,
            recoveryMs: null,
            extra: { processes: scale.processes, duration_ms: durationMs },
          });
          expect(lost, "jobs not completed, or with no ended run in the ledger").toEqual([]);
          expect(ranTwice, "jobs the ledger shows started more than once").toEqual([]);
          expect(jobs.length).toBe(ids.length);
          expect(workers.map((worker) => worker.exit?.code)).toEqual(workers.map(() => 0));
        });
      },
      scale.experimentBudgetMs + 120_000,
    );
  });
}
