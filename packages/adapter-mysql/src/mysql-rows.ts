import { DocketError, invalidArgument, type JobRecord, type JsonValue } from "@docket/core";

/**
 * Row ↔ value mapping. Every statement runs with `dateStrings` and big-number strings
 * (see `mysql-driver.ts`), so DATETIME columns arrive as `'YYYY-MM-DD HH:MM:SS.mmm'`
 * text holding UTC and BIGINTs as decimal strings; nothing here depends on the session
 * `time_zone` or on the pool's own `timezone`/`typeCast` settings.
 */

/** A job row as read with `JOB_COLUMNS`. */
export interface JobRow {
  id: number | string;
  name: string;
  data: string;
  priority: number | string;
  scheduled_at: string;
  handler_timeout: number | string | null;
  retry_count: number | string;
  is_complete: number | string | boolean;
  created_at: string;
  updated_at: string;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  completed_at: string | null;
  failed_at: string | null;
  cron_expression: string | null;
}

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** Parses a DATETIME text as UTC. */
export function parseUtcDateTime(text: string): Date {
  const match = DATETIME.exec(text);
  if (match === null) {
    throw new DocketError("database_error", `unexpected DATETIME value from MySQL: ${text}`);
  }
  const [, y, mo, d, h, mi, s, fraction = "0"] = match;
  const ms = Number(fraction.padEnd(3, "0").slice(0, 3));
  return new Date(
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms),
  );
}

/**
 * Formats a Date as DATETIME text in UTC, `'YYYY-MM-DD HH:MM:SS.mmm'`. DATETIME holds
 * years 1000..9999; outside that range a non-strict server would silently store a zero
 * date, so it is rejected here.
 */
export function formatUtcDateTime(date: Date, field = "scheduledAt"): string {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1000 || year > 9999) {
    throw invalidArgument(field, "a date between the years 1000 and 9999", date);
  }
  // toISOString gives `YYYY-MM-DDTHH:MM:SS.mmmZ` for these years.
  return date.toISOString().replace("T", " ").slice(0, 23);
}

function toInt(value: number | string | boolean): number {
  return typeof value === "number" ? value : Number(value);
}

function toDate(value: string | null): Date | null {
  return value === null ? null : parseUtcDateTime(value);
}

export function toJobRecord(row: JobRow): JobRecord {
  return {
    id: toInt(row.id),
    name: row.name,
    data: JSON.parse(row.data) as JsonValue,
    priority: toInt(row.priority),
    scheduledAt: parseUtcDateTime(row.scheduled_at),
    handlerTimeout: row.handler_timeout === null ? null : toInt(row.handler_timeout),
    retryCount: toInt(row.retry_count),
    isComplete: toInt(row.is_complete) !== 0,
    createdAt: parseUtcDateTime(row.created_at),
    updatedAt: parseUtcDateTime(row.updated_at),
    lockedBy: row.locked_by,
    lockedUntil: toDate(row.locked_until),
    lastError: row.last_error,
    completedAt: toDate(row.completed_at),
    failedAt: toDate(row.failed_at),
    cronExpression: row.cron_expression,
  };
}

/** A number column that mysql2 may return as a number or a decimal string (COUNT, SUM, BIGINT). */
export function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" || typeof value === "bigint") return Number(value);
  return 0;
}
