/**
 * Node CPU of reading a claim's rows (issue 13, round 6), without a database: pg's own
 * `Result` parses 100 leased rows plus the summary row as the wire delivers them (text
 * values), then the adapter builds the `JobRecord`s. "old" is the row `main` sent (17 job
 * columns, timestamptz times through pg-types' date parser, `toJobRecord`); "new" is the
 * claim's row now (times as int8 microseconds, three columns left out, `CLAIM_TYPES`,
 * `claimedJobRecord`). Alternated in one process; prints µs of CPU per job.
 *
 *   pnpm --filter @docket/bench exec tsx src/cost/pg-claim-rows-cpu.ts
 *
 * Not part of `pnpm bench`; figures go to `results/round6-pg-throughput.md`.
 */
import { createRequire } from "node:module";
import {
  CLAIM_TYPES,
  type ClaimedJobRow,
  claimedJobRecord,
  microsToDate,
} from "../../../adapter-postgres/src/postgres-claim-rows.ts";
import { type PostgresJobRow, toJobRecord } from "../../../adapter-postgres/src/postgres-rows.ts";

type Row = Record<string, unknown>;
interface PgResult {
  addFields(fields: unknown[]): void;
  parseRow(values: (string | null)[]): Row;
}
const pgRequire = createRequire(createRequire(import.meta.url).resolve("@docket/adapter-postgres"));
const Result = pgRequire(pgRequire.resolve("pg").replace(/index\.js$/, "result.js")) as new (
  rowMode: undefined,
  types: unknown,
) => PgResult;

const [INT4, INT8, TEXT, BOOL, TIMESTAMPTZ, INT8_ARRAY] = [23, 20, 25, 16, 1184, 1016];
const fields = (list: [string, number][]) =>
  list.map(([name, dataTypeID]) => ({ name, dataTypeID, format: "text" }));
const jobFields = (time: number): [string, number][] => [
  ["id", INT8],
  ["name", TEXT],
  ["data", TEXT],
  ["priority", INT4],
  ["scheduled_at", time],
  ["handler_timeout", INT8],
  ["retry_count", INT4],
];
const summaryFields = (time: number): [string, number][] => [
  ["db_now", time],
  ["exhausted_ids", INT8_ARRAY],
  ["stats_drift", INT4],
  ["done_ids", INT8_ARRAY],
];
const OLD_FIELDS = fields([
  ...jobFields(TIMESTAMPTZ),
  ["is_complete", BOOL],
  ["created_at", TIMESTAMPTZ],
  ["updated_at", TIMESTAMPTZ],
  ["locked_by", TEXT],
  ["locked_until", TIMESTAMPTZ],
  ["last_error", TEXT],
  ["completed_at", TIMESTAMPTZ],
  ["failed_at", TIMESTAMPTZ],
  ["cron_expression", TEXT],
  ["cancelled_at", TIMESTAMPTZ],
  ...summaryFields(TIMESTAMPTZ),
]);
const NEW_FIELDS = fields([
  ...jobFields(INT8),
  ["created_at", INT8],
  ["locked_until", INT8],
  ["last_error", TEXT],
  ["completed_at", INT8],
  ["failed_at", INT8],
  ["cron_expression", TEXT],
  ["cancelled_at", INT8],
  ...summaryFields(INT8),
]);

const TIME = "2026-12-02 06:15:35.123456+00";
const MICROS = "1764656135123456";
const DATA = '{"seq":12}';
const nulls = (n: number) => Array.from({ length: n }, () => null);
const doneIds = `{${Array.from({ length: 100 }, (_, i) => String(900 + i)).join(",")}}`;
const oldRow = (i: number) => [
  ...[String(1000 + i), "cost", DATA, "0", TIME, null, "0", "f", TIME, TIME, "cpu:12", TIME],
  ...nulls(9),
];
const newRow = (i: number) => [
  ...[String(1000 + i), "cost", DATA, "0", MICROS, null, "0", MICROS, MICROS],
  ...nulls(9),
];
const oldSummary = [...nulls(17), TIME, "{}", "0", doneIds];
const newSummary = [...nulls(14), MICROS, "{}", "0", doneIds];

function readOld(): number {
  const result = new Result(undefined, undefined);
  result.addFields(OLD_FIELDS);
  const rows = Array.from({ length: 100 }, (_, i) => result.parseRow(oldRow(i)));
  rows.push(result.parseRow(oldSummary));
  const jobs = rows
    .filter((row) => row.id !== null)
    .map((row) => toJobRecord(row as unknown as PostgresJobRow));
  return jobs.length + (rows.at(-1)!.done_ids as unknown[]).map(Number).length;
}

function readNew(): number {
  const result = new Result(undefined, CLAIM_TYPES);
  result.addFields(NEW_FIELDS);
  const rows = Array.from({ length: 100 }, (_, i) => result.parseRow(newRow(i)));
  rows.push(result.parseRow(newSummary));
  const summary = rows.findLast((row) => row.id === null)!;
  const now = microsToDate(summary.db_now).getTime();
  const jobs = rows
    .filter((row) => row.id !== null)
    .map((row) => claimedJobRecord(row as unknown as ClaimedJobRow, "cpu:12", now));
  return jobs.length + (summary.done_ids as unknown[]).map(Number).length;
}

if (readOld() !== 200 || readNew() !== 200) throw new Error("unexpected row count");
const cpu: Record<"old" | "new", number[]> = { old: [], new: [] };
const sides = [
  ["old", readOld],
  ["new", readNew],
] as const;
for (let round = 0; round < 12; round += 1) {
  for (const [label, read] of round % 2 === 0 ? sides : [...sides].reverse()) {
    const before = process.cpuUsage();
    for (let i = 0; i < 2000; i += 1) read();
    const used = process.cpuUsage(before);
    cpu[label].push((used.user + used.system) / (2000 * 100));
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const ratios = cpu.new.map((value, i) => value / cpu.old[i]!);
console.log(
  `µs CPU per job (claim of 100, parse + JobRecord): old ${median(cpu.old).toFixed(2)}, new ${median(cpu.new).toFixed(2)}; new ÷ old per round ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
);
