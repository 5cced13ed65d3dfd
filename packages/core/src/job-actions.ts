import { assertAdapter } from "./adapter-check.ts";
import { invalidArgument } from "./errors.ts";
import { type JobRecord, jobState } from "./job-record.ts";
import { wakeLocalWorkers } from "./local-wake.ts";
import type { JobActionResult, StorageAdapter } from "./storage-adapter.ts";
import { isPlainObject, rejectUnknownKeys, validateJobName } from "./validation.ts";

/**
 * Operator actions on single jobs and on all failed jobs. Each is one guarded statement in
 * the adapter: a job a live lease holds is never changed (the answer says `running`), and
 * a claim racing an action either wins (the action is refused) or never sees the job.
 */

/**
 * Makes a failed job pending now: attempts reset to 0, finish times and lease cleared,
 * `lastError` kept as history. Refused for jobs in any other state.
 */
export async function queueWorkerRetryJob(
  adapter: StorageAdapter,
  id: number,
): Promise<JobActionResult> {
  assertAdapter(adapter);
  const result = await adapter.retryJob(validateJobId(id));
  if (result.ok) wakeLocalWorkers(adapter.queueKey);
  return result;
}

export interface RetryFailedJobsOptions {
  /** Only failed jobs with this name. */
  name?: string | undefined;
}

/** Retries every failed job (of `name` when given) in one statement; resolves to how many. */
export async function queueWorkerRetryFailedJobs(
  adapter: StorageAdapter,
  options: RetryFailedJobsOptions = {},
): Promise<number> {
  assertAdapter(adapter);
  if (!isPlainObject(options)) throw invalidArgument("options", "an object", options);
  rejectUnknownKeys(options, ["name"], "options", invalidArgument);
  const name = options.name === undefined ? null : validateJobName(options.name, "options.name");
  const count = await adapter.retryFailedJobs({ name });
  if (count > 0) wakeLocalWorkers(adapter.queueKey);
  return count;
}

/**
 * Finishes a pending or scheduled job as cancelled (state `cancelled`); it is never
 * claimed again. Refused for running and finished jobs.
 */
export async function queueWorkerCancelJob(
  adapter: StorageAdapter,
  id: number,
): Promise<JobActionResult> {
  assertAdapter(adapter);
  return adapter.cancelJob(validateJobId(id));
}

/** Deletes a job in any state but running. */
export async function queueWorkerDeleteJob(
  adapter: StorageAdapter,
  id: number,
): Promise<JobActionResult> {
  assertAdapter(adapter);
  return adapter.deleteJob(validateJobId(id));
}

/**
 * Why a guarded action changed nothing, from the row as re-read after the write (null:
 * gone) at the adapter's `now`. Adapters call it when their guard refused.
 */
export function refusedAction(job: JobRecord | null, now: Date): JobActionResult {
  if (job === null) return { ok: false, reason: "not_found" };
  const state = jobState(job, now);
  if (state === "running") return { ok: false, reason: "running", state };
  return { ok: false, reason: "invalid_state", state };
}

export function validateJobId(id: unknown): number {
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) {
    throw invalidArgument("id", "a positive integer", id);
  }
  return id;
}
