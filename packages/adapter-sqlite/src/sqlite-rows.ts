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

/** Spec order: priority, then scheduled_at, then id (RETURNING order is unspecified). */
export function compareClaimOrder(a: SqliteJobRow, b: SqliteJobRow): number {
  return a.priority - b.priority || a.scheduled_at - b.scheduled_at || a.id - b.id;
}
