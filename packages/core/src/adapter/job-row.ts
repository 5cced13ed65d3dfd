import { JOB_STATES, type JobRecord, type JobState, type JsonValue } from "../job-record.ts";
import type { JobNameCounts, QueueCounts } from "../storage-adapter.ts";

/**
 * A job row as a SQL driver returns it: the job table's columns by name, each number,
 * time and flag in whatever form the driver gives (`N`, `T`, `F`): `bigint` strings, epoch
 * milliseconds, DATETIME text, 0/1.
 */
export interface DriverJobRow<N, T, F> {
  id: N;
  name: string;
  /** The JSON text of the job's data. */
  data: string;
  priority: N;
  scheduled_at: T;
  handler_timeout: N | null;
  retry_count: N;
  is_complete: F;
  created_at: T;
  updated_at: T;
  locked_by: string | null;
  locked_until: T | null;
  last_error: string | null;
  completed_at: T | null;
  failed_at: T | null;
  cron_expression: string | null;
  cancelled_at: T | null;
}

/** How one driver's values become numbers, dates and booleans. */
export interface DriverValueDecoder<N, T, F> {
  number(value: N): number;
  date(value: T): Date;
  flag(value: F): boolean;
}

/**
 * Row → `JobRecord`, the same on every SQL adapter. `data` goes through `JSON.parse`,
 * which keeps a `__proto__` key as an ordinary own property. A missing nullable column
 * (`undefined`) reads as null.
 */
export function jobRecordFromRow<N, T, F>(
  row: DriverJobRow<N, T, F>,
  decode: DriverValueDecoder<N, T, F>,
): JobRecord {
  const maybeDate = (value: T | null) =>
    value === null || value === undefined ? null : decode.date(value);
  return {
    id: decode.number(row.id),
    name: row.name,
    data: JSON.parse(row.data) as JsonValue,
    priority: decode.number(row.priority),
    scheduledAt: decode.date(row.scheduled_at),
    handlerTimeout:
      row.handler_timeout === null || row.handler_timeout === undefined
        ? null
        : decode.number(row.handler_timeout),
    retryCount: decode.number(row.retry_count),
    isComplete: decode.flag(row.is_complete),
    createdAt: decode.date(row.created_at),
    updatedAt: decode.date(row.updated_at),
    lockedBy: row.locked_by,
    lockedUntil: maybeDate(row.locked_until),
    lastError: row.last_error,
    completedAt: maybeDate(row.completed_at),
    failedAt: maybeDate(row.failed_at),
    cronExpression: row.cron_expression,
    cancelledAt: maybeDate(row.cancelled_at),
  };
}

/** A `count(*)` per `JobState` and the job name, as the driver returns the counts. */
export type DriverNameCountsRow = { readonly name?: unknown } & {
  readonly [state in JobState]?: unknown;
};

/** How a driver's count (a number, a `bigint` string, …) becomes a number. */
export type CountDecoder = (value: unknown) => number;

/** Row → `JobNameCounts`, one count per `JobState`. */
export function nameCountsFromRow(row: DriverNameCountsRow, count: CountDecoder): JobNameCounts {
  const counts = JOB_STATES.map((state) => [state, count(row[state])]);
  return { name: String(row.name), ...(Object.fromEntries(counts) as Record<JobState, number>) };
}

/** The queue counts' columns, as `insights()` statements name them. */
export interface DriverQueueCountsRow {
  readonly pending_count?: unknown;
  readonly scheduled_count?: unknown;
  readonly running_count?: unknown;
  readonly failed_count?: unknown;
}

export function queueCountsFromRow(row: DriverQueueCountsRow, count: CountDecoder): QueueCounts {
  return {
    pendingCount: count(row.pending_count),
    scheduledCount: count(row.scheduled_count),
    runningCount: count(row.running_count),
    failedCount: count(row.failed_count),
  };
}
