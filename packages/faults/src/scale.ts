/**
 * How big each experiment is. `DOCKET_FAULTS_SCALE=short` (the default when `CI=true`)
 * keeps the whole suite to a few minutes on a small CI machine; `full` (the default
 * elsewhere) runs more jobs, more processes and more faults.
 */
export type ScaleName = "short" | "full";

export interface Scale {
  name: ScaleName;
  /** Worker processes per experiment, and handler slots in each. */
  processes: number;
  parallelCount: number;
  drainJobs: number;
  /** Most jobs the SIGKILL loop enqueues (it keeps the queue loaded until its last kill). */
  killJobs: number;
  /** SIGKILLs in the kill loop. */
  kills: number;
  /** Jobs in the `process.exit` experiment (about one in six ends its process). */
  exitJobs: number;
  /** Most jobs the outage experiment enqueues (it keeps the queue loaded until the last outage). */
  outageJobs: number;
  /** Database outages in a row (kills of every connection, or write-lock holds). */
  outages: number;
  cronProcesses: number;
  cronRounds: number;
  /** Upper bound for each experiment's waiting loops. */
  experimentBudgetMs: number;
}

const SCALES: Record<ScaleName, Scale> = {
  short: {
    name: "short",
    processes: 3,
    parallelCount: 4,
    drainJobs: 300,
    killJobs: 400,
    kills: 5,
    exitJobs: 36,
    outageJobs: 300,
    outages: 2,
    cronProcesses: 6,
    cronRounds: 2,
    experimentBudgetMs: 90_000,
  },
  full: {
    name: "full",
    processes: 4,
    parallelCount: 4,
    drainJobs: 2_000,
    killJobs: 2_000,
    kills: 20,
    exitJobs: 150,
    outageJobs: 1_200,
    outages: 4,
    cronProcesses: 12,
    cronRounds: 5,
    experimentBudgetMs: 300_000,
  },
};

export function currentScale(env: NodeJS.ProcessEnv = process.env): Scale {
  const requested = env.DOCKET_FAULTS_SCALE ?? (env.CI === "true" ? "short" : "full");
  if (requested !== "short" && requested !== "full") {
    throw new Error(`DOCKET_FAULTS_SCALE must be "short" or "full", got: ${requested}`);
  }
  return SCALES[requested];
}
