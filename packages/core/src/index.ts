export { queueWorkerAddJob, queueWorkerAddJobs, MAX_BATCH_SIZE } from "./add-job.ts";
export { queueWorkerGetJob, queueWorkerListJobs, DEFAULT_LIST_LIMIT } from "./read-jobs.ts";
export type { ListJobsOptions } from "./read-jobs.ts";
export { queueWorkerCreate } from "./worker.ts";
export type { QueueWorker } from "./worker.ts";
export type {
  HandlerContext,
  JobHandler,
  JobHandlerEntry,
  QueueWorkerOptions,
} from "./worker-options.ts";
export { queueWorkerRegisterCronJobs } from "./cron-register.ts";
export type { CronJobDefinition, RegisterCronJobsOptions } from "./cron-register.ts";
export { DEFAULT_CRON_PRIORITY, nextCronOccurrence, validateCronExpression } from "./cron.ts";
export { DEFAULT_JOB_PRIORITY } from "./job-input.ts";
export type { AddJobInput } from "./job-input.ts";
export type { RetryBackoff } from "./retry-backoff.ts";
export { newEvent, newEventFromEvent, eventStart, eventStop, eventRename } from "./events.ts";
export type { DocketEvent, EventSpan } from "./events.ts";
export { newJsonLogger } from "./logger.ts";
export type { Logger } from "./logger.ts";
export { formatJobError, toStorableText, MAX_ERROR_LENGTH } from "./error-format.ts";
export { DocketError, isAbortError, isRetryableError, invalidArgument, invalidOption } from "./errors.ts";
export type { DocketErrorCode, DocketErrorOptions } from "./errors.ts";
export { JOB_STATES, jobState } from "./job-record.ts";
export type { JobRecord, JobState, JsonValue } from "./job-record.ts";
export { CRON_JOB_TYPE, LEASE_EXPIRED_ERROR } from "./storage-adapter.ts";
export type {
  AdapterTransaction,
  ClaimRequest,
  ClaimResult,
  CleanupRequest,
  CompleteResult,
  CronDefinition,
  JobLease,
  JobOutcome,
  JobOutcomeKind,
  ListJobsQuery,
  NewJob,
  QueueCounts,
  StorageAdapter,
} from "./storage-adapter.ts";
export { DEFAULT_TABLE_NAME, validateTableName } from "./table-name.ts";
