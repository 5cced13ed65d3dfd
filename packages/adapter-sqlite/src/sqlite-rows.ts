import type { JobRecord } from "@docket/core";
import { type DriverJobRow, type DriverValueDecoder, jobRecordFromRow } from "@docket/core/adapter";

/** A job row as SQLite returns it: times are INTEGER epoch milliseconds, booleans 0/1. */
export type SqliteJobRow = DriverJobRow<number, number, number>;

const SQLITE_VALUES: DriverValueDecoder<number, number, number> = {
  number: (value) => value,
  date: (ms) => new Date(ms),
  flag: (value) => value !== 0,
};

/**
 * Row → `JobRecord`. Statements read with `safeIntegers(false)`, so ids arrive as
 * numbers even when the application turned safe integers on for its database.
 */
export function toJobRecord(row: SqliteJobRow): JobRecord {
  return jobRecordFromRow(row, SQLITE_VALUES);
}

/**
 * The job table's columns in the order `jobRowFromValues` reads them: what a lease
 * returns (`RETURNING` this list, read as an array row; see `preparedPositional`).
 */
export const JOB_ROW_COLUMNS =
  "id, name, data, priority, scheduled_at, handler_timeout, retry_count, is_complete, " +
  "created_at, updated_at, locked_by, locked_until, last_error, completed_at, failed_at, " +
  "cron_expression, cancelled_at";

/** An array row of `JOB_ROW_COLUMNS` → the row object `toJobRecord` reads. */
export function jobRowFromValues(values: readonly unknown[]): SqliteJobRow {
  return {
    id: values[0] as number,
    name: values[1] as string,
    data: values[2] as string,
    priority: values[3] as number,
    scheduled_at: values[4] as number,
    handler_timeout: values[5] as number | null,
    retry_count: values[6] as number,
    is_complete: values[7] as number,
    created_at: values[8] as number,
    updated_at: values[9] as number,
    locked_by: values[10] as string | null,
    locked_until: values[11] as number | null,
    last_error: values[12] as string | null,
    completed_at: values[13] as number | null,
    failed_at: values[14] as number | null,
    cron_expression: values[15] as string | null,
    cancelled_at: values[16] as number | null,
  };
}

/** Spec order: priority, then scheduled_at, then id (RETURNING order is unspecified). */
export function compareClaimOrder(a: SqliteJobRow, b: SqliteJobRow): number {
  return a.priority - b.priority || a.scheduled_at - b.scheduled_at || a.id - b.id;
}
