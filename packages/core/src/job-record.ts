import { stateOfFacts } from "./job-state-rules.ts";

/** Any value `JSON.stringify` can write and `JSON.parse` gives back unchanged. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * One job as stored. The first ten fields are the Compas queue's; the rest are
 * Docket's own (lease, last error, how it finished, cron marker).
 */
export interface JobRecord {
  id: number;
  name: string;
  data: JsonValue;
  /** Lower runs first. */
  priority: number;
  /** Not eligible before this instant. */
  scheduledAt: Date;
  /** Per-job timeout override in ms; wins over the handler's and the worker's. */
  handlerTimeout: number | null;
  /** Failed attempts so far (an attempt lost to an expired lease counts). */
  retryCount: number;
  /** Finished, successfully or for good. */
  isComplete: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** Lease token of the worker running the job (`<workerId>:<claim>`), or null. */
  lockedBy: string | null;
  /** The lease ends here; after it another worker may take the job over. */
  lockedUntil: Date | null;
  /** The error of the last failed attempt, bounded and storable. */
  lastError: string | null;
  /** When the job finished (success or giving up). */
  completedAt: Date | null;
  /** Set when the job gave up after its last attempt; null when it succeeded. */
  failedAt: Date | null;
  /** Set on rows created by `queueWorkerRegisterCronJobs`; null for normal jobs. */
  cronExpression: string | null;
  /**
   * Set when an operator cancelled the job before it ran (`queueWorkerCancelJob`); the
   * job is then complete, with `completedAt` the same instant and `failedAt` null.
   */
  cancelledAt: Date | null;
}

/**
 * - `pending`: not complete, due, not leased by a live worker
 * - `scheduled`: not complete, `scheduledAt` in the future
 * - `running`: not complete, leased (`lockedUntil` in the future)
 * - `completed`: finished successfully
 * - `failed`: gave up after its last attempt
 * - `cancelled`: finished by `queueWorkerCancelJob` before it ran; never claimed again
 */
export type JobState = "pending" | "scheduled" | "running" | "completed" | "failed" | "cancelled";

export const JOB_STATES: readonly JobState[] = [
  "pending",
  "scheduled",
  "running",
  "completed",
  "failed",
  "cancelled",
];

/** The state of a job at `now`, by the rules the adapters render into SQL (`JOB_STATE_RULES`). */
export function jobState(job: JobRecord, now: Date): JobState {
  return stateOfFacts(
    {
      isComplete: job.isComplete,
      failedAt: job.failedAt?.getTime() ?? null,
      cancelledAt: job.cancelledAt?.getTime() ?? null,
      lockedUntil: job.lockedUntil?.getTime() ?? null,
      scheduledAt: job.scheduledAt.getTime(),
    },
    now.getTime(),
  );
}
