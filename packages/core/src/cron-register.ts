import { assertAdapter } from "./adapter-check.ts";
import { cronRow, DEFAULT_CRON_PRIORITY, validateCronExpression } from "./cron.ts";
import { invalidArgument } from "./errors.ts";
import type { StorageAdapter } from "./storage-adapter.ts";
import {
  isPlainObject,
  rejectUnknownKeys,
  validateJobName,
  validatePriority,
} from "./validation.ts";

export interface CronJobDefinition {
  /** The job name; its handler runs on every occurrence. */
  name: string;
  /** 5 or 6 fields, evaluated in UTC by cron-parser. */
  cronExpression: string;
  /** Default 4. */
  priority?: number | undefined;
}

export interface RegisterCronJobsOptions {
  jobs: readonly CronJobDefinition[];
}

/**
 * Makes the queue's cron jobs match `jobs`, under a database-wide lock: exactly one
 * pending row per cron name; pending cron rows not in `jobs` are removed; a changed
 * expression or priority re-times the pending row; an unchanged one is left alone (so a
 * deploy never skips a due run); normal jobs sharing a name are never touched. Every
 * definition is validated first — one bad definition rejects the call and changes nothing.
 */
export async function queueWorkerRegisterCronJobs(
  adapter: StorageAdapter,
  options: RegisterCronJobsOptions,
): Promise<void> {
  assertAdapter(adapter);
  if (!isPlainObject(options)) throw invalidArgument("options", "an object", options);
  rejectUnknownKeys(options, ["jobs"], "options", invalidArgument);
  const jobs = options.jobs;
  if (!Array.isArray(jobs)) throw invalidArgument("options.jobs", "an array", jobs);
  const seen = new Set<string>();
  const validated = jobs.map((job: unknown, index) => {
    const field = `options.jobs[${index}]`;
    if (!isPlainObject(job)) throw invalidArgument(field, "an object", job);
    rejectUnknownKeys(job, ["name", "cronExpression", "priority"], field, invalidArgument);
    const name = validateJobName(job.name, `${field}.name`);
    if (seen.has(name)) throw invalidArgument(`${field}.name`, "unique among the cron jobs", name);
    seen.add(name);
    const cronExpression = validateCronExpression(job.cronExpression, `${field}.cronExpression`);
    const priority =
      job.priority === undefined
        ? DEFAULT_CRON_PRIORITY
        : validatePriority(job.priority, `${field}.priority`);
    return { name, cronExpression, priority };
  });
  const now = await adapter.now();
  await adapter.syncCron(
    validated.map((job) => cronRow(job.name, job.cronExpression, job.priority, now)),
  );
}
