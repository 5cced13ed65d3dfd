import { assertAdapter } from "./adapter-check.ts";
import { invalidArgument } from "./errors.ts";
import { JOB_STATES, type JobRecord, type JobState } from "./job-record.ts";
import type { ListJobsQuery, StorageAdapter } from "./storage-adapter.ts";
import { isPlainObject, rejectUnknownKeys, validateJobName } from "./validation.ts";

export interface ListJobsOptions {
  /** Only jobs with this name. */
  name?: string | undefined;
  /** Only jobs in this state (see `JobState`). */
  state?: JobState | undefined;
  /** At most this many, 1..10 000; default 100. */
  limit?: number | undefined;
  /** Only jobs with a smaller id: the next page after a page whose last id this is. */
  beforeId?: number | undefined;
  /** Only cron rows (`cronExpression` set); default false. */
  cron?: boolean | undefined;
}

export const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 10_000;

/** The job with this id, or null. */
export async function queueWorkerGetJob(
  adapter: StorageAdapter,
  id: number,
): Promise<JobRecord | null> {
  assertAdapter(adapter);
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) {
    throw invalidArgument("id", "a positive integer", id);
  }
  return adapter.getJob(id);
}

/**
 * Jobs, newest first, optionally filtered by name, state and cron rows only; `beforeId`
 * pages by id (keyset), so each page costs the same however deep it is.
 */
export async function queueWorkerListJobs(
  adapter: StorageAdapter,
  options: ListJobsOptions = {},
): Promise<JobRecord[]> {
  assertAdapter(adapter);
  if (!isPlainObject(options)) throw invalidArgument("options", "an object", options);
  rejectUnknownKeys(
    options,
    ["name", "state", "limit", "beforeId", "cron"],
    "options",
    invalidArgument,
  );
  const limit = options.limit ?? DEFAULT_LIST_LIMIT;
  if (
    typeof limit !== "number" ||
    !Number.isSafeInteger(limit) ||
    limit < 1 ||
    limit > MAX_LIST_LIMIT
  ) {
    throw invalidArgument("options.limit", `an integer from 1 to ${MAX_LIST_LIMIT}`, limit);
  }
  const state = options.state;
  if (state !== undefined && !JOB_STATES.includes(state as JobState)) {
    throw invalidArgument("options.state", `one of ${JOB_STATES.join(", ")}`, state);
  }
  const beforeId = options.beforeId;
  if (
    beforeId !== undefined &&
    (typeof beforeId !== "number" || !Number.isSafeInteger(beforeId) || beforeId < 1)
  ) {
    throw invalidArgument("options.beforeId", "a positive integer", beforeId);
  }
  const cron = options.cron;
  if (cron !== undefined && typeof cron !== "boolean") {
    throw invalidArgument("options.cron", "a boolean", cron);
  }
  const query: ListJobsQuery = { limit };
  if (options.name !== undefined) query.name = validateJobName(options.name, "options.name");
  if (state !== undefined) query.state = state as JobState;
  if (beforeId !== undefined) query.beforeId = beforeId;
  if (cron === true) query.cron = true;
  return adapter.listJobs(query);
}
