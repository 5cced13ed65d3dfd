import { DocketError, type JobRecord } from "@docket/core";
import {
  type DriverJobRow,
  type DriverValueDecoder,
  invalidArgument,
  jobRecordFromRow,
  type NewJob,
} from "@docket/core/adapter";

/**
 * Row ↔ value mapping. Every statement runs with `dateStrings` and big-number strings
 * (see `mysql-connection.ts`), so DATETIME columns arrive as `'YYYY-MM-DD HH:MM:SS.mmm'`
 * text holding UTC and BIGINTs as decimal strings; nothing here depends on the session
 * `time_zone` or on the pool's own `timezone`/`typeCast` settings.
 */

/** A job row as read with `JOB_COLUMNS`. */
export type JobRow = DriverJobRow<number | string, string, number | string | boolean>;

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** The digits of `text` from `start` to `end` as a number, or -1 if any is not 0-9. */
function digitsAt(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Parses a DATETIME text as UTC. A claim parses three or four per row, so the layout
 * mysql2 hands back (`YYYY-MM-DD HH:MM:SS[.ffffff]`) is read by position; anything else
 * goes through the pattern, which accepts the same texts and reports the rest.
 */
export function parseUtcDateTime(text: string): Date {
  const length = text.length;
  if (
    (length === 19 || (length >= 21 && length <= 26 && text.charCodeAt(19) === 46)) && // "."
    text.charCodeAt(4) === 45 && // "-"
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(10) === 32 && // " "
    text.charCodeAt(13) === 58 && // ":"
    text.charCodeAt(16) === 58
  ) {
    const year = digitsAt(text, 0, 4);
    const month = digitsAt(text, 5, 7);
    const day = digitsAt(text, 8, 10);
    const hour = digitsAt(text, 11, 13);
    const minute = digitsAt(text, 14, 16);
    const second = digitsAt(text, 17, 19);
    const fraction = length === 19 ? 0 : digitsAt(text, 20, length);
    if (Math.min(year, month, day, hour, minute, second, fraction) >= 0) {
      // Milliseconds: the first three fraction digits, as "0071" reads 7 and "5" 500.
      const digits = length - 20;
      const ms =
        digits <= 0 ? 0 : digits >= 3 ? digitsAt(text, 20, 23) : fraction * 10 ** (3 - digits);
      return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
    }
  }
  return parseUtcDateTimeByPattern(text);
}

function parseUtcDateTimeByPattern(text: string): Date {
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

const MYSQL_VALUES: DriverValueDecoder<number | string, string, number | string | boolean> = {
  number: toInt,
  date: parseUtcDateTime,
  flag: (value) => toInt(value) !== 0,
};

export function toJobRecord(row: JobRow): JobRecord {
  return jobRecordFromRow(row, MYSQL_VALUES);
}

/** A number column that mysql2 may return as a number or a decimal string (COUNT, SUM, BIGINT). */
export function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" || typeof value === "bigint") return Number(value);
  return 0;
}

/** Bytes a row adds to an INSERT besides its name and data (parameter headers, numbers, dates). */
const ROW_OVERHEAD_BYTES = 128;
/** Room left in a packet for the command header and the statement's fixed parameters. */
export const PACKET_MARGIN_BYTES = 4096;
/** Rows per multi-row INSERT: 5 parameters each stays far below the 65,535-placeholder limit. */
const MAX_ROWS_PER_INSERT = 4000;

/** The parameters of one `insertJobs` row. */
export function jobParams(job: NewJob): unknown[] {
  return [
    job.name,
    job.dataJson,
    job.priority,
    job.scheduledAt === null ? null : formatUtcDateTime(job.scheduledAt),
    job.handlerTimeout,
  ];
}

/**
 * A `LIMIT ?` value. mysql2 sends JS numbers as DOUBLE, which MySQL 8.0.22+ refuses for
 * LIMIT in prepared statements ("Incorrect arguments to mysqld_stmt_execute"; newer
 * mysql2 versions may adopt the server's type hint, older ones do not); a decimal string
 * is accepted by MySQL and MariaDB alike.
 */
export function limitParam(limit: number): string {
  return String(Math.max(0, Math.trunc(limit)));
}

/**
 * Splits jobs into INSERT statements that each fit in a packet and in the placeholder
 * limit. A single job that cannot fit is rejected before anything is written.
 */
export function chunkRows(jobs: readonly NewJob[], budgetBytes: number): [number, number][] {
  const chunks: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  jobs.forEach((job, index) => {
    const size = Buffer.byteLength(job.dataJson) + Buffer.byteLength(job.name) + ROW_OVERHEAD_BYTES;
    if (size > budgetBytes) {
      throw new DocketError(
        "invalid_argument",
        `expected data to fit in the server's max_allowed_packet (${budgetBytes + PACKET_MARGIN_BYTES} bytes), ` +
          `got ${Buffer.byteLength(job.dataJson)} bytes of JSON for job ${index} (${JSON.stringify(job.name)}); ` +
          "raise max_allowed_packet or store the payload elsewhere",
        { field: "data" },
      );
    }
    if (index > start && (bytes + size > budgetBytes || index - start >= MAX_ROWS_PER_INSERT)) {
      chunks.push([start, index]);
      start = index;
      bytes = 0;
    }
    bytes += size;
  });
  chunks.push([start, jobs.length]);
  return chunks;
}
