import type { JobNameCounts, JobRecord, JsonValue, QueueCounts } from "@docket/core";

/**
 * A job row as `pg` returns it with its default type parsers: `bigint` as a string,
 * `timestamptz` as a `Date`, `data` selected as text. A caller-owned pool may have other
 * parsers installed (int8 as number or bigint, dates as strings), so every converter
 * accepts those too rather than changing the global parsers.
 */
export interface PostgresJobRow {
  id: unknown;
  name: string;
  data: string;
  priority: unknown;
  scheduled_at: unknown;
  handler_timeout: unknown;
  retry_count: unknown;
  is_complete: boolean;
  created_at: unknown;
  updated_at: unknown;
  locked_by: string | null;
  locked_until: unknown;
  last_error: string | null;
  completed_at: unknown;
  failed_at: unknown;
  cron_expression: string | null;
  cancelled_at: unknown;
}

export function toJobRecord(row: PostgresJobRow): JobRecord {
  return {
    id: toNumber(row.id),
    name: row.name,
    data: JSON.parse(row.data) as JsonValue,
    priority: toNumber(row.priority),
    scheduledAt: toDate(row.scheduled_at),
    handlerTimeout: row.handler_timeout === null ? null : toNumber(row.handler_timeout),
    retryCount: toNumber(row.retry_count),
    isComplete: row.is_complete === true,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    lockedBy: row.locked_by,
    lockedUntil: toNullableDate(row.locked_until),
    lastError: row.last_error,
    completedAt: toNullableDate(row.completed_at),
    failedAt: toNullableDate(row.failed_at),
    cronExpression: row.cron_expression,
    cancelledAt: toNullableDate(row.cancelled_at),
  };
}

export interface PostgresCountsRow {
  pending_count: unknown;
  scheduled_count: unknown;
  running_count: unknown;
  failed_count: unknown;
}

export function toQueueCounts(row: PostgresCountsRow): QueueCounts {
  return {
    pendingCount: toNumber(row.pending_count),
    scheduledCount: toNumber(row.scheduled_count),
    runningCount: toNumber(row.running_count),
    failedCount: toNumber(row.failed_count),
  };
}

export interface PostgresNameCountsRow {
  name: string;
  pending: unknown;
  scheduled: unknown;
  running: unknown;
  completed: unknown;
  failed: unknown;
  cancelled: unknown;
}

export function toNameCounts(row: PostgresNameCountsRow): JobNameCounts {
  return {
    name: row.name,
    pending: toNumber(row.pending),
    scheduled: toNumber(row.scheduled),
    running: toNumber(row.running),
    completed: toNumber(row.completed),
    failed: toNumber(row.failed),
    cancelled: toNumber(row.cancelled),
  };
}

/** `bigint`/`count(*)` come back as strings; ids stay exact up to 2^53. */
export function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" || typeof value === "bigint") return Number(value);
  throw new TypeError(`expected a number from postgres, got ${typeof value}`);
}

export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === "string") {
    // Postgres text output (`2024-01-02 03:04:05.678+00`) → ISO for `Date`.
    return new Date(value.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"));
  }
  throw new TypeError(`expected a timestamp from postgres, got ${typeof value}`);
}

function toNullableDate(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}
