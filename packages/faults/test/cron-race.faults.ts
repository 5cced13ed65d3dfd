/**
 * Cron registration raced by many processes: each round, every process calls
 * `queueWorkerRegisterCronJobs` at the same moment with definitions of its own (different
 * expressions, some without one of the names). After every round there must be exactly
 * one pending row per registered name, and the pending rows must be exactly the
 * definitions of one of the processes — the registrations were serialized, none merged.
 */
import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, warnIfSkipped } from "../src/backends.ts";
import { allJobs, printFigures } from "../src/checks.ts";
import type { CronRole } from "../src/child-protocol.ts";
import { killAllChildren } from "../src/children.ts";
import { spawnWorker, withQueue } from "../src/experiment.ts";
import { currentScale } from "../src/scale.ts";

const scale = currentScale();
afterEach(killAllChildren);

const NAMES = ["cron.a", "cron.b", "cron.c", "cron.d"];
const EXPRESSIONS = ["*/5 * * * *", "0 * * * *", "*/15 * * * *"];

/** Process `child`'s definitions in `round`: expressions differ; odd children drop the last name in odd rounds. */
function definitions(child: number, round: number): CronRole["rounds"][number] {
  const names = (child + round) % 2 === 1 ? NAMES.slice(0, -1) : NAMES;
  return names.map((name, i) => ({
    name,
    cronExpression: EXPRESSIONS[(child + round + i) % EXPRESSIONS.length] ?? "* * * * *",
  }));
}

const key = (defs: readonly { name: string; cronExpression: string | null }[]) =>
  defs
    .map((def) => `${def.name}=${def.cronExpression}`)
    .sort()
    .join(";");

for (const backend of BACKENDS) {
  warnIfSkipped(backend);
  describe.skipIf(backend.url === null)(`${backend.dialect}: cron registration race`, () => {
    it(
      "many processes register cron jobs at once: exactly one pending row per name, one process's definitions",
      async () => {
        await withQueue(backend, async (queue) => {
          const startedAt = Date.now();
          const processes = Array.from({ length: scale.cronProcesses }, (_, child) =>
            spawnWorker(queue, scale, {
              role: "cron",
              rounds: Array.from({ length: scale.cronRounds }, (_, round) =>
                definitions(child, round),
              ),
            }),
          );
          await Promise.all(processes.map((child) => child.ready()));

          let duplicates = 0;
          let missing = 0;
          const mismatches: string[] = [];
          for (let round = 0; round < scale.cronRounds; round++) {
            for (const child of processes) child.go();
            await Promise.all(
              processes.map((child) => child.waitForLine(`registered ${round}`, 60_000)),
            );
            const pending = (await allJobs(queue.adapter)).filter((job) => !job.isComplete);
            const perName = new Map<string, number>();
            for (const job of pending) perName.set(job.name, (perName.get(job.name) ?? 0) + 1);
            duplicates += [...perName.values()].reduce((sum, n) => sum + n - 1, 0);
            const state = key(pending);
            const candidates = processes.map((_, child) => definitions(child, round));
            if (!candidates.some((defs) => key(defs) === state))
              mismatches.push(`round ${round}: ${state}`);
            const registered = new Set(candidates.flat().map((def) => def.name));
            missing += [...registered].filter((name) => !perName.has(name)).length;
            // A name some process dropped may legitimately be missing; count only those all kept.
            missing -= [...registered].filter(
              (name) =>
                !perName.has(name) && candidates.some((defs) => !defs.some((d) => d.name === name)),
            ).length;
          }
          await Promise.all(processes.map((child) => child.finished()));

          printFigures({
            backend: backend.dialect,
            experiment: "cron-race",
            jobs: NAMES.length,
            lost: missing,
            ranTwice: duplicates,
            stranded: 0,
            recoveryMs: null,
            extra: {
              processes: scale.cronProcesses,
              rounds: scale.cronRounds,
              not_one_process_definitions: mismatches.length,
              duration_ms: Date.now() - startedAt,
            },
          });
          expect(duplicates, "pending cron rows beyond one per name").toBe(0);
          expect(missing, "names every process registered but with no pending row").toBe(0);
          expect(mismatches, "pending rows that are no single process's definitions").toEqual([]);
        });
      },
      scale.experimentBudgetMs + 120_000,
    );
  });
}
