import { CronExpressionParser } from "cron-parser";
import { DocketError } from "./errors.ts";
import { CRON_JOB_TYPE, type CronDefinition, type FinishedCronJob } from "./storage-adapter.ts";

/** Default priority of cron jobs (one ahead of `queueWorkerAddJob`'s 5). */
export const DEFAULT_CRON_PRIORITY = 4;

/**
 * Checks a cron expression: 5 fields (minute precision) or 6 (with seconds), parsed by
 * `cron-parser` in UTC. Anything else — an empty string, `@daily`, 7 fields — is
 * rejected rather than guessed at.
 */
export function validateCronExpression(expression: unknown, field: string): string {
  if (typeof expression !== "string") {
    throw new DocketError(
      "invalid_cron_expression",
      `expected ${field} to be a string, got: ${typeof expression}`,
      {
        field,
      },
    );
  }
  const fieldCount = expression.trim().split(/\s+/).filter(Boolean).length;
  if (fieldCount !== 5 && fieldCount !== 6) {
    throw new DocketError(
      "invalid_cron_expression",
      `expected ${field} to have 5 or 6 fields, got: ${JSON.stringify(expression)}`,
      { field },
    );
  }
  try {
    CronExpressionParser.parse(expression, { tz: "UTC" });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DocketError(
      "invalid_cron_expression",
      `expected ${field} to be a valid cron expression, got: ${JSON.stringify(expression)} (${reason})`,
      { field, cause },
    );
  }
  return expression;
}

/** The first occurrence of `expression` strictly after `after`, in UTC. */
export function nextCronOccurrence(expression: string, after: Date): Date {
  return CronExpressionParser.parse(expression, { tz: "UTC", currentDate: after }).next().toDate();
}

/** A cron job's pending row: next run after `now`, data as the Compas queue wrote it. */
export function cronRow(
  name: string,
  cronExpression: string,
  priority: number,
  now: Date,
): CronDefinition {
  return {
    name,
    cronExpression,
    priority,
    nextRunAt: nextCronOccurrence(cronExpression, now),
    dataJson: JSON.stringify({
      jobType: CRON_JOB_TYPE,
      cronExpression,
      cronLastCompletedAt: now.toISOString(),
    }),
  };
}

/**
 * `ClaimRequest.cronSuccessor`: the row that follows a cron job a claim finished. Null
 * when the stored expression cannot be parsed (someone edited the row): the job still
 * finishes, and a claim never fails over one bad row.
 */
export function nextCronRow(job: FinishedCronJob, now: Date): CronDefinition | null {
  try {
    return cronRow(job.name, job.cronExpression, job.priority, now);
  } catch {
    return null;
  }
}
