import type { JobRecord, JsonValue } from "@docket/core";

/** A job row as SQLite returns it: times are INTEGER epoch milliseconds, booleans 0/1. */
export interface SqliteJobRow {
  id: number;
  name: string;
  data: string;
  priority: number;
  scheduled_at: number;
  handler_timeout: number | null;
  retry_count: number;
  is_complete: number;
  created_at: number;
  updated_at: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  completed_at: number | null;
  failed_at: number | null;
  cron_expression: string | null;
  cancelled_at: number | null;
}

function optionalDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

/**
 * Row → `JobRecord`. `data` goes through `JSON.parse`, which keeps a `__proto__` key as an
 * ordinary own property. Statements read with `safeIntegers(false)`, so ids arrive as
 * numbers even when the application turned safe integers on for its database.
 */
export function toJobRecord(row: SqliteJobRow): JobRecord {
  return {
    id: row.id,
    name: row.name,
    data: JSON.parse(row.data) as JsonValue,
    priority: row.priority,
    scheduledAt: new Date(row.scheduled_at),
    handlerTimeout: row.handler_timeout,
    retryCount: row.retry_count,
    isComplete: row.is_complete !== 0,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    lockedBy: row.locked_by,
    lockedUntil: optionalDate(row.locked_until),
    lastError: row.last_error,
    completedAt: optionalDate(row.completed_at),
    failedAt: optionalDate(row.failed_at),
    cronExpression: row.cron_expression,
    cancelledAt: optionalDate(row.cancelled_at),
  };
}

/** Spec order: priority, then scheduled_at, then id (RETURNING order is unspecified). */
export function compareClaimOrder(a: SqliteJobRow, b: SqliteJobRow): number {
  return a.priority - b.priority || a.scheduled_at - b.scheduled_at || a.id - b.id;
}
