import {
  type ClaimRequest,
  type CronDefinition,
  type JobOutcome,
  type JobOutcomeKind,
  LEASE_EXPIRED_ERROR,
  nextCronRow,
  outcomeAssignments,
  outcomeEffect,
} from "@docket/core/adapter";
import { type MysqlConnection, padToBucket, write, writeOnce } from "./mysql-connection.ts";
import { formatUtcDateTime, type JobRow, toNumber } from "./mysql-rows.ts";
import * as sql from "./mysql-sql.ts";

/**
 * The writes of `complete()` for the outcomes whose guard won, on the transaction that
 * holds their rows locked: one statement per kind (per-row values through `CASE id`, the
 * columns as `OUTCOME_EFFECTS` says), IN-lists padded to a few statement shapes, then the
 * deletes and the cron successors.
 */
export async function writeOutcomes(
  connection: MysqlConnection,
  table: string,
  winners: readonly JobOutcome[],
  nowText: string,
  nowMs: number,
): Promise<void> {
  const deleted: JobOutcome[] = [];
  const byKind = new Map<JobOutcomeKind, JobOutcome[]>();
  for (const outcome of winners) {
    if (outcomeEffect(outcome.kind).finishes && outcome.deleteOnFinish) {
      deleted.push(outcome);
      continue;
    }
    const group = byKind.get(outcome.kind);
    if (group === undefined) byKind.set(outcome.kind, [outcome]);
    else group.push(outcome);
  }
  for (const [kind, group] of byKind) {
    const padded = padToBucket(group);
    await write(connection, sql.markOutcomes(table, kind, padded.length), [
      ...outcomeParams(kind, padded, nowText, nowMs),
      ...padded.map((o) => o.id),
    ]);
  }
  if (deleted.length > 0) {
    const ids = padToBucket(deleted.map((o) => o.id));
    await write(connection, sql.deleteJobs(table, ids.length), ids);
  }
  // After the updates: the finished row no longer counts as the pending cron row.
  const successors = winners.flatMap((o) => (o.cronSuccessor === null ? [] : [o.cronSuccessor]));
  if (successors.length > 0) await insertCronRows(connection, table, successors);
}

/** The values of `sql.markOutcomes`, walking the same `outcomeAssignments` list. */
function outcomeParams(
  kind: JobOutcomeKind,
  outcomes: readonly JobOutcome[],
  nowText: string,
  nowMs: number,
): (string | number | null)[] {
  const values = { now: "", error: "", rescheduledAt: "", true: "" };
  return outcomeAssignments(kind, values).flatMap(({ column }) => {
    switch (column) {
      case "last_error":
        return outcomes.flatMap((o) => [o.id, o.error]);
      case "scheduled_at":
        return outcomes.flatMap((o) => [
          o.id,
          o.retryDelayMs === null
            ? null
            : formatUtcDateTime(new Date(nowMs + Math.max(0, o.retryDelayMs)), "retryDelayMs"),
        ]);
      case "completed_at":
      case "failed_at":
      case "updated_at":
        return [nowText];
      default:
        return [];
    }
  });
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
