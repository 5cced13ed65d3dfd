/**
 * `@docket/core/adapter`: the API for adapter and store authors (docs/adapters.md): the
 * seam's request and result types, the store seams, and the helpers every adapter uses
 * the same way. An application imports from `@docket/core` only.
 */
export { nextCronRow } from "../cron.ts";
export { formatJobError, MAX_ERROR_LENGTH, toStorableText } from "../error-format.ts";
export { invalidArgument, invalidOption } from "../errors.ts";
export type {
  FileMeta,
  FileMetaPatch,
  FileRow,
  FileStoreSeam,
  FileUpsert,
} from "../file-store-seam.ts";
export { FILE_TRANSFORM_JOB_NAME } from "../file-store-seam.ts";
export { refusedAction } from "../job-actions.ts";
export type { StateSqlDialect, StateTest } from "../job-state-rules.ts";
export { JOB_STATE_RULES, stateCondition, stateConditions } from "../job-state-rules.ts";
export type {
  NewSessionRow,
  NewTokenPair,
  SessionCleanupRequest,
  SessionCleanupResult,
  SessionRow,
  SessionStoreSeam,
  SessionTokenLookup,
  SessionTokenRow,
} from "../session-store-seam.ts";
export type {
  AdapterCapabilities,
  AdapterTransaction,
  ClaimRequest,
  ClaimResult,
  CleanupRequest,
  CompleteResult,
  CountJobsByNameRequest,
  CronDefinition,
  FinishedCronJob,
  JobActivityCount,
  JobActivityRequest,
  JobLease,
  JobOutcome,
  JobOutcomeKind,
  ListJobsQuery,
  NewJob,
  QueueCounts,
  RetryFailedRequest,
  StorageAdapter,
} from "../storage-adapter.ts";
export { CRON_JOB_TYPE, isFinishingOutcome, LEASE_EXPIRED_ERROR } from "../storage-adapter.ts";
export { validateTableName } from "../table-name.ts";
export {
  closedAdapterError,
  connectionError,
  databaseError,
  driverDetail,
  SOCKET_ERROR_CODES,
} from "./adapter-errors.ts";
export {
  booleanOption,
  integerOption,
  oneOfOptions,
  optionsRecord,
  rejectOptionWith,
  stringOption,
} from "./adapter-options.ts";
export type { FileColumns } from "./file-seam-rows.ts";
export { epochMsToDate, fileRowReader } from "./file-seam-rows.ts";
export type {
  CountDecoder,
  DriverJobRow,
  DriverNameCountsRow,
  DriverQueueCountsRow,
  DriverValueDecoder,
} from "./job-row.ts";
export { jobRecordFromRow, nameCountsFromRow, queueCountsFromRow } from "./job-row.ts";
export type { MaybePromise, MigrationDialect } from "./migration-runner.ts";
export { runMigrations } from "./migration-runner.ts";
export type { OutcomeColumn, OutcomeEffect, OutcomeValues } from "./outcome-effects.ts";
export {
  OUTCOME_EFFECTS,
  OUTCOME_KINDS,
  outcomeAssignments,
  outcomeEffect,
  outcomeKindCondition,
  outcomeKindsWhere,
  outcomeSetClause,
} from "./outcome-effects.ts";
export type { SchemaMigration, SchemaOperation } from "./schema-migrations.ts";
export { describeSchema, SCHEMA_MIGRATIONS, SCHEMA_VERSION } from "./schema-migrations.ts";
export { allIndexColumns, literalDefault, predicateSql, sqlString } from "./schema-render.ts";
export type {
  ColumnDefault,
  ColumnSpec,
  ColumnType,
  IndexSpec,
  PredicateTerm,
  TableSpec,
} from "./schema-tables.ts";
export { MIGRATIONS_TABLE } from "./schema-tables.ts";
export type { SessionColumns, SessionRowReader, SessionTokenColumns } from "./session-seam-rows.ts";
export {
  SESSION_TOKEN_SELECT_LIST,
  sessionRowReader,
  sessionSelectList,
} from "./session-seam-rows.ts";
