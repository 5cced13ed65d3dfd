export { DocketError, isAbortError, isRetryableError } from "./errors.ts";
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
