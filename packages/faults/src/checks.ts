/**
 * The invariants, computed from the ledger (what handlers did) and the job table as the
 * experiment's own connection reads it — never from a worker's own account.
 */
import { type JobRecord, queueWorkerListJobs, type StorageAdapter } from "@docket/core";
import type { LedgerRun } from "./ledger.ts";

/**
 * A success whose process died before the batched write of its outcome is re-run: the
 * at-least-once window. A re-run after an ended run counts as explained only when that
 * run's process died within this long after the run ended.
 */
export const OUTCOME_WINDOW_MS = 5_000;

/** Every row of the experiment's table (experiments stay below the listing limit). */
export async function allJobs(adapter: StorageAdapter): Promise<JobRecord[]> {
  return queueWorkerListJobs(adapter, { limit: 10_000 });
}

/** Incomplete, no attempts left, lease gone: no claim will ever pick it and nothing finishes it. */
export function isStranded(job: JobRecord, maxRetryCount: number, now: Date): boolean {
  return (
    !job.isComplete &&
    job.retryCount >= maxRetryCount &&
    (job.lockedUntil === null || job.lockedUntil <= now)
  );
}

/** Still has a future without help: claimable now or later, or leased by a live worker. */
export function isUnsettled(job: JobRecord, maxRetryCount: number, now: Date): boolean {
  return !job.isComplete && !isStranded(job, maxRetryCount, now);
}

export interface RerunReport {
  /** Jobs the ledger shows started more than once. */
  rerun: number;
  /** Jobs the ledger shows ended (succeeded) more than once. */
  ranTwice: number;
  /** Re-runs whose earlier run was cut off mid-run by its process dying. */
  afterMidRunDeath: number;
  /** Re-runs whose earlier run ended and whose process died inside the outcome window. */
  afterOutcomeWindowDeath: number;
  /** Re-runs nothing explains (each a human-readable line): must be empty. */
  unexplained: string[];
  /** For each run cut off by a death: ms from the death to the job's next start. */
  takeoverMs: number[];
  /** For each re-run in the outcome window: ms from the earlier run's end to its process's death. */
  outcomeWindowMs: number[];
}

/**
 * Checks that a job ran again only where a worker died: every run but the last of a job
 * must come from a process that died (`deaths`: pid → time of death), and either never
 * ended (cut off mid-run) or ended at most `OUTCOME_WINDOW_MS` before the death.
 */
export function checkReruns(
  runs: ReadonlyMap<number, readonly LedgerRun[]>,
  deaths: ReadonlyMap<number, number>,
): RerunReport {
  const report: RerunReport = {
    rerun: 0,
    ranTwice: 0,
    afterMidRunDeath: 0,
    afterOutcomeWindowDeath: 0,
    unexplained: [],
    takeoverMs: [],
    outcomeWindowMs: [],
  };
  for (const [jobId, jobRuns] of runs) {
    if (jobRuns.filter((run) => run.endedAt !== null).length > 1) report.ranTwice += 1;
    if (jobRuns.length < 2) continue;
    report.rerun += 1;
    for (const [index, run] of jobRuns.slice(0, -1).entries()) {
      const diedAt = deaths.get(run.pid);
      const next = jobRuns[index + 1];
      if (diedAt !== undefined && next !== undefined)
        report.takeoverMs.push(next.startedAt - diedAt);
      if (diedAt === undefined) {
        report.unexplained.push(`job ${jobId}: re-run after a run in live process ${run.pid}`);
      } else if (run.endedAt === null) {
        report.afterMidRunDeath += 1;
      } else if (diedAt - run.endedAt <= OUTCOME_WINDOW_MS) {
        report.afterOutcomeWindowDeath += 1;
        report.outcomeWindowMs.push(diedAt - run.endedAt);
      } else {
        report.unexplained.push(
          `job ${jobId}: re-run after a run that ended ${diedAt - run.endedAt} ms before its process ${run.pid} died`,
        );
      }
    }
  }
  return report;
}

/** Jobs with no ended run in the ledger (handlers that were meant to succeed). */
export function neverSucceeded(
  ids: readonly number[],
  runs: ReadonlyMap<number, readonly LedgerRun[]>,
): number[] {
  return ids.filter((id) => !(runs.get(id) ?? []).some((run) => run.endedAt !== null));
}

export type FigureValue = string | number | null;

/**
 * Prints the experiment's one line of figures. The fixed fields come first in a fixed
 * order, so lines from every backend and run line up.
 */
export function printFigures(figures: {
  backend: string;
  experiment: string;
  jobs: number;
  lost: number;
  ranTwice: number;
  stranded: number;
  recoveryMs: number | null;
  extra?: Record<string, FigureValue>;
}): void {
  const fields: [string, FigureValue][] = [
    ["backend", figures.backend],
    ["experiment", figures.experiment],
    ["jobs", figures.jobs],
    ["lost", figures.lost],
    ["ran_twice", figures.ranTwice],
    ["stranded", figures.stranded],
    ["recovery_ms", figures.recoveryMs],
    ...Object.entries(figures.extra ?? {}),
  ];
  const line = fields.map(([key, value]) => `${key}=${value ?? "-"}`).join(" ");
  console.log(`[faults] ${line}`);
}

/** The `p` quantile (0..1) of `values`, or null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null;
}
