import { randomBytes } from "node:crypto";
import { nextCronRow } from "../cron.ts";
import type { JobRecord } from "../job-record.ts";
import {
  type ClaimRequest,
  CRON_JOB_TYPE,
  type CronDefinition,
  type JobOutcome,
  type NewJob,
  type StorageAdapter,
} from "../storage-adapter.ts";

/**
 * Small builders for seam-level adapter tests, shared so every adapter's tests speak the
 * same defaults: a job named `job`, claims for `job` with 3 attempts, a one-minute lease
 * and core's cron successors, and a `succeeded` outcome.
 */
export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    name: "job",
    dataJson: "{}",
    priority: 5,
    scheduledAt: null,
    handlerTimeout: null,
    ...overrides,
  };
}

let claimSequence = 0;

/** A claim request with a fresh lease token each call. */
export function claimRequest(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  claimSequence++;
  return {
    leaseToken: `test-worker:${claimSequence}`,
    limit: 10,
    names: ["job"],
    maxRetryCount: 3,
    ignoreSorting: false,
    leaseMs: 60_000,
    deleteOnFinish: false,
    cronSuccessor: nextCronRow,
    ...overrides,
  };
}

/** A `succeeded` outcome for `id` under `leaseToken`, with `overrides` applied. */
export function outcome(
  id: number,
  leaseToken: string,
  overrides: Partial<JobOutcome> = {},
): JobOutcome {
  return {
    id,
    leaseToken,
    kind: "succeeded",
    error: null,
    retryDelayMs: null,
    deleteOnFinish: false,
    cronSuccessor: null,
    ...overrides,
  };
}

/**
 * A cron definition as core computes it: hourly, priority 4, next run in an hour, and the
 * cron `data` registration writes.
 */
export function cronDefinition(
  name: string,
  overrides: Partial<CronDefinition> = {},
): CronDefinition {
  const cronExpression = overrides.cronExpression ?? "0 * * * *";
  return {
    name,
    cronExpression,
    priority: 4,
    nextRunAt: new Date(Date.now() + 3_600_000),
    dataJson: JSON.stringify({ jobType: CRON_JOB_TYPE, cronExpression, cronLastCompletedAt: null }),
    ...overrides,
  };
}

/** The pending (not complete) cron rows, of `name` when given, read through the seam. */
export async function pendingCronRows(
  adapter: StorageAdapter,
  name?: string,
): Promise<JobRecord[]> {
  const rows = await adapter.listJobs({
    cron: true,
    limit: 1000,
    ...(name === undefined ? {} : { name }),
  });
  return rows.filter((row) => !row.isComplete).sort((a, b) => a.name.localeCompare(b.name));
}

/** A fresh `t_<12 hex>` table name, so every test works in a table of its own. */
export function uniqueTableName(): string {
  return `t_${randomBytes(6).toString("hex")}`;
}

/** The table of an adapter (or one bound to its transaction): the tail of its queue key. */
export function tableOf(adapter: StorageAdapter): string {
  return adapter.queueKey.slice(adapter.queueKey.lastIndexOf("#") + 1);
}
