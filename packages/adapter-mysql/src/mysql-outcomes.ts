import { DocketError } from "@docket/core";
import {
  type ClaimRequest,
  type CronDefinition,
  isFinishingOutcome,
  type JobOutcome,
  LEASE_EXPIRED_ERROR,
  nextCronRow,
} from "@docket/core/adapter";
import { type MysqlConnection, padToBucket, write, writeOnce } from "./mysql-connection.ts";
import { formatUtcDateTime, type JobRow, toNumber } from "./mysql-rows.ts";
import * as sql from "./mysql-sql.ts";

/**
 * The writes of `complete()` for the outcomes whose guard won, on the transaction that
 * holds their rows locked: one statement per kind (per-row values through `CASE id`),
 * IN-lists padded to a few statement shapes, then the cron successors.
 */
export async function writeOutcomes(
  connection: MysqlConnection,
  table: string,
  winners: readonly JobOutcome[],
  nowText: string,
  nowMs: number,
): Promise<void> {
  const t = table;
  const deleted: JobOutcome[] = [];
  const succeeded: JobOutcome[] = [];
  const failed: JobOutcome[] = [];
  const abandoned: JobOutcome[] = [];
  const retried: JobOutcome[] = [];
  const released: JobOutcome[] = [];
  for (const outcome of winners) {
    if (isFinishingOutcome(outcome.kind) && outcome.deleteOnFinish) {
      deleted.push(outcome);
      continue;
    }
    switch (outcome.kind) {
      case "succeeded":
        succeeded.push(outcome);
        break;
      case "failed":
        failed.push(outcome);
        break;
      case "abandoned":
        abandoned.push(outcome);
        break;
      case "retry":
        retried.push(outcome);
        break;
      case "released":
        released.push(outcome);
        break;
      default: {
        const unknown: never = outcome.kind;
        throw new DocketError("invalid_argument", `unknown outcome kind: ${String(unknown)}`, {
          field: "kind",
        });
      }
    }
  }
  if (succeeded.length > 0) {
    const ids = padToBucket(succeeded.map((o) => o.id));
    await write(connection, sql.markSucceeded(t, ids.length), [nowText, nowText, ...ids]);
  }
  if (failed.length > 0) {
    const padded = padToBucket(failed);
    await write(connection, sql.markFailed(t, padded.length), [
      ...padded.flatMap((o) => [o.id, o.error]),
      nowText,
      nowText,
      nowText,
      ...padded.map((o) => o.id),
    ]);
  }
  if (abandoned.length > 0) {
    const ids = padToBucket(abandoned.map((o) => o.id));
    await write(connection, sql.markAbandoned(t, ids.length), [nowText, nowText, nowText, ...ids]);
  }
  if (retried.length > 0) {
    const padded = padToBucket(retried);
    await write(connection, sql.markRetry(t, padded.length), [
      ...padded.flatMap((o) => [o.id, o.error]),
      ...padded.flatMap((o) => [
        o.id,
        o.retryDelayMs === null
          ? null
          : formatUtcDateTime(new Date(nowMs + Math.max(0, o.retryDelayMs)), "retryDelayMs"),
      ]),
      nowText,
      ...padded.map((o) => o.id),
    ]);
  }
  if (released.length > 0) {
    const ids = padToBucket(released.map((o) => o.id));
    await write(connection, sql.releaseLeases(t, ids.length), [nowText, ...ids]);
  }
  if (deleted.length > 0) {
    const ids = padToBucket(deleted.map((o) => o.id));
    await write(connection, sql.deleteJobs(t, ids.length), ids);
  }
  // After the updates: the finished row no longer counts as the pending cron row.
  const successors = winners.flatMap((o) => (o.cronSuccessor === null ? [] : [o.cronSuccessor]));
  if (successors.length > 0) await insertCronRows(connection, table, successors);
}

export async function insertCronRows(
  connection: MysqlConnection,
  table: string,
  definitions: readonly CronDefinition[],
): Promise<void> {
  const params = definitions.flatMap((d) => [
    d.name,
    d.dataJson,
    d.priority,
    formatUtcDateTime(d.nextRunAt, "nextRunAt"),
    d.cronExpression,
  ]);
  const statement = sql.insertCronJobs(table, definitions.length);
  if (definitions.length === 1) await write(connection, statement, params);
  else await writeOnce(connection, statement, params);
}

/**
 * The claim's writes for rows whose expired lease held their last attempt, on the claim's
 * transaction (which holds them locked): finished as failed, or deleted with
 * `deleteOnFinish`, then their cron successors. Returns their ids.
 */
export async function finishExhausted(
  connection: MysqlConnection,
  table: string,
  rows: readonly JobRow[],
  request: ClaimRequest,
  nowText: string,
  now: Date,
): Promise<number[]> {
  const ids = padToBucket(rows.map((row) => toNumber(row.id)));
  if (request.deleteOnFinish === true) {
    await write(connection, sql.deleteJobs(table, ids.length), ids);
  } else {
    await write(connection, sql.finishExhausted(table, ids.length), [
      request.maxRetryCount,
      LEASE_EXPIRED_ERROR,
      nowText,
      nowText,
      nowText,
      ...ids,
    ]);
  }
  // After the updates: the finished row no longer counts as the pending cron row.
  const cronSuccessor = request.cronSuccessor ?? nextCronRow;
  const successors: CronDefinition[] = [];
  for (const row of rows) {
    if (row.cron_expression === null) continue;
    const successor = cronSuccessor(
      { name: row.name, cronExpression: row.cron_expression, priority: toNumber(row.priority) },
      now,
    );
    if (successor !== null) successors.push(successor);
  }
  if (successors.length > 0) await insertCronRows(connection, table, successors);
  return rows.map((row) => toNumber(row.id)).sort((a, b) => a - b);
}
