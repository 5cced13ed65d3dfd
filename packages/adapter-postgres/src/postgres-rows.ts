import type { JobNameCounts, JobRecord, QueueCounts } from "@docket/core";
import {
  type DriverJobRow,
  type DriverNameCountsRow,
  type DriverQueueCountsRow,
  type DriverValueDecoder,
  jobRecordFromRow,
  nameCountsFromRow,
  queueCountsFromRow,
} from "@docket/core/adapter";

/**
 * A job row as `pg` returns it with its default type parsers: `bigint` as a string,
 * `timestamptz` as a `Date`, `data` selected as text. A caller-owned pool may have other
 * parsers installed (int8 as number or bigint, dates as strings), so every converter
 * accepts those too rather than changing the global parsers.
 */
export type PostgresJobRow = DriverJobRow<unknown, unknown, boolean>;

const POSTGRES_VALUES: DriverValueDecoder<unknown, unknown, boolean> = {
  number: toNumber,
  date: toDate,
  flag: (value) => value === true,
};

export function toJobRecord(row: PostgresJobRow): JobRecord {
  return jobRecordFromRow(row, POSTGRES_VALUES);
}

export type PostgresCountsRow = DriverQueueCountsRow;
export type PostgresNameCountsRow = DriverNameCountsRow;

export function toQueueCounts(row: DriverQueueCountsRow): QueueCounts {
  return queueCountsFromRow(row, toNumber);
}

export function toNameCounts(row: DriverNameCountsRow): JobNameCounts {
  return nameCountsFromRow(row, toNumber);
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
