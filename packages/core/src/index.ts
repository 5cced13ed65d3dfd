export { MAX_BATCH_SIZE, queueWorkerAddJob, queueWorkerAddJobs } from "./add-job.ts";
export { DEFAULT_CRON_PRIORITY, nextCronOccurrence, validateCronExpression } from "./cron.ts";
export type { CronJobDefinition, RegisterCronJobsOptions } from "./cron-register.ts";
export { queueWorkerRegisterCronJobs } from "./cron-register.ts";
export type { DocketErrorCode, DocketErrorOptions } from "./errors.ts";
export { DocketError, isAbortError, isRetryableError } from "./errors.ts";
export type { DocketEvent, EventSpan } from "./events.ts";
export { eventRename, eventStart, eventStop, newEvent, newEventFromEvent } from "./events.ts";
export type { RetryFailedJobsOptions } from "./job-actions.ts";
export {
  queueWorkerCancelJob,
  queueWorkerDeleteJob,
  queueWorkerRetryFailedJobs,
  queueWorkerRetryJob,
} from "./job-actions.ts";
export type { AddJobInput } from "./job-input.ts";
export { DEFAULT_JOB_PRIORITY } from "./job-input.ts";
export type { JobRecord, JobState, JsonValue } from "./job-record.ts";
export { JOB_STATES, jobState } from "./job-record.ts";
export type { CountJobsByNameOptions, JobActivityBucket, JobActivityOptions } from "./job-stats.ts";
export {
  MAX_ACTIVITY_BUCKETS,
  queueWorkerCountJobsByName,
  queueWorkerJobActivity,
} from "./job-stats.ts";
export type { Logger } from "./logger.ts";
export { newJsonLogger } from "./logger.ts";
export type { ListJobsOptions } from "./read-jobs.ts";
export { DEFAULT_LIST_LIMIT, queueWorkerGetJob, queueWorkerListJobs } from "./read-jobs.ts";
export type { RetryBackoff } from "./retry-backoff.ts";
export type {
  JobActionResult,
  JobNameCounts,
  QueueCounts,
  StorageAdapter,
} from "./storage-adapter.ts";
export { DEFAULT_TABLE_NAME } from "./table-name.ts";
export type { QueueWorker } from "./worker.ts";
export { queueWorkerCreate } from "./worker.ts";
export type {
  HandlerContext,
  JobHandler,
  JobHandlerEntry,
  QueueWorkerOptions,
} from "./worker-options.ts";
