/**
 * What a parent tells a worker process (one JSON argument) and the lines it prints back.
 * Kept apart from both sides so the parent never imports the child's top-level code.
 */
import type { QueueTarget } from "./target.ts";

/** The one job name every experiment's handler runs. */
export const WORK_JOB = "fault.work";

/**
 * A `fault.work` job's data. The handler writes its ledger start, then sleeps `ms`
 * (and writes its ledger end) — or, with `exit`, ends its own process: `"now"` at once
 * (in the same turn of the event loop the worker started it in), `"later"` after `ms`.
 */
export interface WorkData {
  ms: number;
  exit?: "now" | "later";
}

export interface WorkerRole {
  role: "worker";
  parallelCount: number;
  leaseMs: number;
  maxRetryCount: number;
  pollInterval: number;
}

export interface CronRole {
  role: "cron";
  /**
   * One set of cron definitions per round. Each is registered when `go` arrives on stdin
   * (all processes get it at once, so they race for the lock together); the child then
   * prints `registered <round>`.
   */
  rounds: { name: string; cronExpression: string }[][];
}

export interface ChildConfig {
  target: QueueTarget;
  /** The experiment's directory: ledger files and error logs go here. */
  directory: string;
  /** The process exits by itself after this long, whatever happens (no orphans). */
  timeLimitMs: number;
  work: WorkerRole | CronRole;
}

/** Lines a child prints on stdout, each on its own. */
export const CHILD_READY = "ready";
export const CHILD_DONE = "done";
/** Lines a parent writes on the child's stdin. */
export const PARENT_GO = "go";
export const PARENT_STOP = "stop";
/** Exit code of a child that reached its time limit. */
export const EXIT_TIME_LIMIT = 3;
/** Exit code of a handler that ended its own process on purpose. */
export const EXIT_ON_PURPOSE = 7;
