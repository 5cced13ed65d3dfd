import { outcomeEffect } from "../adapter/outcome-effects.ts";
import { nextCronRow } from "../cron.ts";
import { refusedAction } from "../job-actions.ts";
import type { JobRecord, JobState, JsonValue } from "../job-record.ts";
import { isInState, stateOfFacts } from "../job-state-rules.ts";
import {
  type ClaimRequest,
  type CronDefinition,
  type JobActionResult,
  type JobOutcome,
  LEASE_EXPIRED_ERROR,
  type NewJob,
} from "../storage-adapter.ts";
import type { MemoryJobRow, MemoryState } from "./memory-store.ts";

/**
 * The queue contract of `StorageAdapter` (packages/core/src/storage-adapter.ts) as plain
 * functions over an in-memory table. Each function is one "statement": the caller runs
 * it on a private copy that replaces the table only when it returns.
 */

export function toJobRecord(row: MemoryJobRow): JobRecord {
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  return {
    id: row.id,
    name: row.name,
    data: JSON.parse(row.dataJson) as JsonValue,
    priority: row.priority,
    scheduledAt: new Date(row.scheduledAt),
    handlerTimeout: row.handlerTimeout,
    retryCount: row.retryCount,
    isComplete: row.isComplete,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
    lockedBy: row.lockedBy,
    lockedUntil: date(row.lockedUntil),
    lastError: row.lastError,
    completedAt: date(row.completedAt),
    failedAt: date(row.failedAt),
    cronExpression: row.cronExpression,
    cancelledAt: date(row.cancelledAt),
  };
}

/** Spec order: priority, then scheduledAt, then id. */
export function compareClaimOrder(a: MemoryJobRow, b: MemoryJobRow): number {
  return a.priority - b.priority || a.scheduledAt - b.scheduledAt || a.id - b.id;
}

function newRow(
  state: MemoryState,
  id: number,
  fields: Pick<MemoryJobRow, "name" | "dataJson" | "priority" | "scheduledAt" | "handlerTimeout">,
  cronExpression: string | null,
  now: number,
): void {
  state.jobs.set(id, {
    id,
    ...fields,
    retryCount: 0,
    isComplete: false,
    createdAt: now,
    updatedAt: now,
    lockedBy: null,
    lockedUntil: null,
    lastError: null,
    completedAt: null,
    failedAt: null,
    cronExpression,
    cancelledAt: null,
  });
}

export function insertJobs(
  state: MemoryState,
  jobs: readonly NewJob[],
  nextId: () => number,
  now: number,
): number[] {
  return jobs.map((job) => {
    const id = nextId();
    const scheduledAt = job.scheduledAt === null ? now : job.scheduledAt.getTime();
    newRow(state, id, { ...job, scheduledAt }, null, now);
    return id;
  });
}

function pendingCronRow(state: MemoryState, name: string): MemoryJobRow | undefined {
  for (const row of state.jobs.values()) {
    if (row.cronExpression !== null && !row.isComplete && row.name === name) return row;
  }
  return undefined;
}

/** Inserts a cron row unless one is pending for the name (the unique pending-cron rule). */
export function insertCron(
  state: MemoryState,
  definition: CronDefinition,
  nextId: () => number,
  now: number,
): void {
  if (pendingCronRow(state, definition.name) !== undefined) return;
  newRow(
    state,
    nextId(),
    {
      name: definition.name,
      dataJson: definition.dataJson,
      priority: definition.priority,
      scheduledAt: definition.nextRunAt.getTime(),
      handlerTimeout: null,
    },
    definition.cronExpression,
    now,
  );
}

const noLease = { lockedBy: null, lockedUntil: null } as const;

export function claimJobs(
  state: MemoryState,
  request: ClaimRequest,
  nextId: () => number,
  now: number,
): { jobs: MemoryJobRow[]; finished: number[] } {
  const names = new Set(request.names);
  const eligible = [...state.jobs.values()].filter(
    (row) =>
      !row.isComplete &&
      names.has(row.name) &&
      row.scheduledAt <= now &&
      (row.lockedUntil === null || row.lockedUntil <= now) &&
      (row.retryCount < request.maxRetryCount || row.lockedBy !== null),
  );
  if (!request.ignoreSorting) eligible.sort(compareClaimOrder);
  const jobs: MemoryJobRow[] = [];
  const finished: number[] = [];
  const cronSuccessor = request.cronSuccessor ?? nextCronRow;
  for (const row of eligible.slice(0, request.limit)) {
    // A lock left behind is an attempt a dead worker never finished: count it.
    const expired = row.lockedBy !== null;
    const exhausted =
      expired &&
      (row.retryCount + 1 >= request.maxRetryCount || row.retryCount >= request.maxRetryCount);
    if (!exhausted) {
      const leased: MemoryJobRow = {
        ...row,
        lockedBy: request.leaseToken,
        lockedUntil: now + request.leaseMs,
        updatedAt: now,
        ...(expired ? { retryCount: row.retryCount + 1, lastError: LEASE_EXPIRED_ERROR } : {}),
      };
      state.jobs.set(row.id, leased);
      jobs.push(leased);
      continue;
    }
    if (request.deleteOnFinish === true) {
      state.jobs.delete(row.id);
    } else {
      state.jobs.set(row.id, {
        ...row,
        ...noLease,
        isComplete: true,
        completedAt: now,
        failedAt: now,
        updatedAt: now,
        retryCount: row.retryCount >= request.maxRetryCount ? row.retryCount : row.retryCount + 1,
        lastError: LEASE_EXPIRED_ERROR,
      });
    }
    finished.push(row.id);
    if (row.cronExpression !== null) {
      const successor = cronSuccessor(
        { name: row.name, cronExpression: row.cronExpression, priority: row.priority },
        new Date(now),
      );
      if (successor !== null) insertCron(state, successor, nextId, now);
    }
  }
  return { jobs, finished: finished.sort((a, b) => a - b) };
}

export function extendLeases(
  state: MemoryState,
  leases: readonly { id: number; leaseToken: string }[],
  leaseMs: number,
  now: number,
): number[] {
  const lost: number[] = [];
  for (const lease of leases) {
    const row = state.jobs.get(lease.id);
    if (row === undefined || row.isComplete || row.lockedBy !== lease.leaseToken) {
      lost.push(lease.id);
      continue;
    }
    state.jobs.set(row.id, { ...row, lockedUntil: now + leaseMs, updatedAt: now });
  }
  return lost;
}

/** One outcome behind its lease guard; false when the guard lost. */
export function recordOutcome(
  state: MemoryState,
  outcome: JobOutcome,
  nextId: () => number,
  now: number,
): boolean {
  const row = state.jobs.get(outcome.id);
  if (row === undefined || row.isComplete || row.lockedBy !== outcome.leaseToken) return false;
  const effect = outcomeEffect(outcome.kind);
  const finishing = effect.finishes;
  if (finishing && outcome.deleteOnFinish) {
    state.jobs.delete(row.id);
  } else {
    state.jobs.set(row.id, {
      ...row,
      ...noLease,
      updatedAt: now,
      ...(effect.countsAttempt ? { retryCount: row.retryCount + 1 } : {}),
      ...(effect.recordsError ? { lastError: outcome.error } : {}),
      ...(effect.reschedules && outcome.retryDelayMs !== null
        ? { scheduledAt: now + outcome.retryDelayMs }
        : {}),
      ...(finishing ? { isComplete: true, completedAt: now } : {}),
      ...(effect.marksFailed ? { failedAt: now } : {}),
    });
  }
  if (finishing && outcome.cronSuccessor !== null) {
    insertCron(state, outcome.cronSuccessor, nextId, now);
  }
  return true;
}

/** docs/queue.md §5: make the pending cron rows match `definitions`. */
export function syncCronRows(
  state: MemoryState,
  definitions: readonly CronDefinition[],
  nextId: () => number,
  now: number,
): void {
  const defined = new Set(definitions.map((definition) => definition.name));
  for (const row of [...state.jobs.values()]) {
    if (row.cronExpression !== null && !row.isComplete && !defined.has(row.name)) {
      state.jobs.delete(row.id);
    }
  }
  for (const definition of definitions) {
    const pending = pendingCronRow(state, definition.name);
    if (pending === undefined) {
      insertCron(state, definition, nextId, now);
    } else if (
      pending.cronExpression !== definition.cronExpression ||
      pending.priority !== definition.priority
    ) {
      state.jobs.set(pending.id, {
        ...pending,
        cronExpression: definition.cronExpression,
        priority: definition.priority,
        dataJson: definition.dataJson,
        scheduledAt: definition.nextRunAt.getTime(),
        updatedAt: now,
      });
    }
  }
}

/** A live lease holds the job: operator actions leave it alone. */
function isRunning(row: MemoryJobRow, now: number): boolean {
  return isInState("running", row, now);
}

function isFailed(row: MemoryJobRow): boolean {
  return isInState("failed", row, 0);
}

export function retryRow(row: MemoryJobRow, now: number): MemoryJobRow {
  return {
    ...row,
    ...noLease,
    isComplete: false,
    retryCount: 0,
    completedAt: null,
    failedAt: null,
    scheduledAt: now,
    updatedAt: now,
    // A failed cron run returns as a one-off: its schedule goes on with its own row.
    cronExpression: null,
  };
}

/** Applies an operator action when `accepts` the row, else says why not. */
export function guardedAction(
  state: MemoryState,
  id: number,
  now: number,
  accepts: (row: MemoryJobRow) => boolean,
  apply: (row: MemoryJobRow) => void,
): JobActionResult {
  const row = state.jobs.get(id);
  if (row === undefined || !accepts(row)) {
    return refusedAction(row === undefined ? null : toJobRecord(row), new Date(now));
  }
  apply(row);
  return { ok: true };
}

export const actionGuards = {
  retry: (row: MemoryJobRow) => isFailed(row),
  cancel: (row: MemoryJobRow, now: number) => !row.isComplete && !isRunning(row, now),
  delete: (row: MemoryJobRow, now: number) => !isRunning(row, now),
  isFailed,
};

/** `jobState` of a row, by the same rules, without decoding its data. */
export function stateOf(row: MemoryJobRow, now: number): JobState {
  return stateOfFacts(row, now);
}
