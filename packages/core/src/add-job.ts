import { assertAdapter } from "./adapter-check.ts";
import { invalidArgument } from "./errors.ts";
import { type AddJobInput, toNewJob } from "./job-input.ts";
import { wakeLocalWorkers } from "./local-wake.ts";
import type { StorageAdapter } from "./storage-adapter.ts";

/** Most jobs one `queueWorkerAddJobs` call takes; split larger batches. */
export const MAX_BATCH_SIZE = 10_000;

/**
 * Adds one job and resolves to its id. `target` is an adapter, or an adapter bound to the
 * application's own transaction (`adapter.withTransaction(client)`): the job then exists
 * only if that transaction commits. Defaults: `data` `{}`, `priority` 5, `scheduledAt`
 * now, `handlerTimeout` null. Bad input rejects with a `DocketError` (`invalid_argument`,
 * `field` names the field) before anything is written.
 *
 * Not an `async` function on purpose: the adapter's write starts synchronously, so on
 * SQLite it lands inside a caller's synchronous `db.transaction(() => …)`.
 */
export function queueWorkerAddJob(target: StorageAdapter, job: AddJobInput): Promise<number> {
  try {
    assertAdapter(target, "target");
    const newJob = toNewJob(job, "job");
    return target.enqueue([newJob]).then((ids) => {
      wakeLocalWorkers(target.queueKey);
      return ids[0]!;
    });
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Adds many jobs in one round trip and resolves to their ids, in input order. Every job
 * is validated before any is written: one bad job rejects the whole call (the error's
 * `field` is `jobs[i].<field>`). At most 10,000 jobs per call.
 */
export function queueWorkerAddJobs(
  target: StorageAdapter,
  jobs: readonly AddJobInput[],
): Promise<number[]> {
  try {
    assertAdapter(target, "target");
    if (!Array.isArray(jobs)) throw invalidArgument("jobs", "an array", jobs);
    if (jobs.length > MAX_BATCH_SIZE) {
      throw invalidArgument("jobs", `at most ${MAX_BATCH_SIZE} jobs`, `${jobs.length} jobs`);
    }
    if (jobs.length === 0) return Promise.resolve([]);
    const newJobs = jobs.map((job, index) => toNewJob(job, `jobs[${index}]`));
    return target.enqueue(newJobs).then((ids) => {
      wakeLocalWorkers(target.queueKey);
      return ids;
    });
  } catch (error) {
    return Promise.reject(error);
  }
}
