import type { JobRecord, JsonValue } from "@docket/core";
import type { CustomTypesConfig } from "pg";
import pg from "pg";
import { toNumber } from "./postgres-rows.ts";

/**
 * Reading a claim's rows (`claimStatement` in postgres-sql.ts) in Node: times arrive as
 * microseconds since the epoch, and three columns the claim sets itself are filled from
 * what the adapter knows. The `JobRecord` is the one `toJobRecord` builds from a full row.
 */

/** A leased job's row: `CLAIMED_COLUMN_NAMES`, times as microseconds (`int8` text). */
export interface ClaimedJobRow {
  id: unknown;
  name: string;
  data: string;
  priority: unknown;
  scheduled_at: unknown;
  handler_timeout: unknown;
  retry_count: unknown;
  created_at: unknown;
  locked_until: unknown;
  last_error: string | null;
  completed_at: unknown;
  failed_at: unknown;
  cron_expression: string | null;
  cancelled_at: unknown;
}

const INT8 = 20;
const INT8_ARRAY = 1016;

const asText = (value: string) => value;

/** `{1,2,3}` → `["1","2","3"]`: the claim's id arrays (never NULL elements, never quoted). */
const idArray = (value: string) => (value === "{}" ? [] : value.slice(1, -1).split(","));

/**
 * The parsers of the claim statement only, passed per query (never installed on `pg.types`:
 * an application's pool may share those). `int8` stays text for `Number` (pg's default
 * checks every value with a regular expression, and an application's parser may make
 * it a `bigint`); every other type as the pool would parse it.
 */
export const CLAIM_TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8
      ? asText
      : oid === INT8_ARRAY
        ? idArray
        : pg.types.getTypeParser(oid, format as "text")) as CustomTypesConfig["getTypeParser"],
};

/** Microseconds since the epoch → the `Date` pg would give (milliseconds, rounded down). */
export function microsToDate(value: unknown): Date {
  return new Date(Math.floor(toNumber(value) / 1000));
}

function maybeDate(value: unknown): Date | null {
  return value === null || value === undefined ? null : microsToDate(value);
}

/**
 * The `JobRecord` of a job the claim leased to `leaseToken` at the statement's clock
 * `nowMillis` (its `updated_at`).
 */
export function claimedJobRecord(
  row: ClaimedJobRow,
  leaseToken: string,
  nowMillis: number,
): JobRecord {
  return {
    id: toNumber(row.id),
    name: row.name,
    data: JSON.parse(row.data) as JsonValue,
    priority: toNumber(row.priority),
    scheduledAt: microsToDate(row.scheduled_at),
    handlerTimeout:
      row.handler_timeout === null || row.handler_timeout === undefined
        ? null
        : toNumber(row.handler_timeout),
    retryCount: toNumber(row.retry_count),
    isComplete: false,
    createdAt: microsToDate(row.created_at),
    updatedAt: new Date(nowMillis),
    lockedBy: leaseToken,
    lockedUntil: maybeDate(row.locked_until),
    lastError: row.last_error,
    completedAt: maybeDate(row.completed_at),
    failedAt: maybeDate(row.failed_at),
    cronExpression: row.cron_expression,
    cancelledAt: maybeDate(row.cancelled_at),
  };
}
