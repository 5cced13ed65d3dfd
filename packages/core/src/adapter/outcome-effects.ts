import { invalidArgument } from "../errors.ts";
import type { JobOutcomeKind } from "../storage-adapter.ts";

/**
 * What recording one outcome does to its row (docs/queue.md §3), beyond what every
 * outcome does: clear the lease (`locked_by`, `locked_until`) and set `updated_at = now`.
 */
export interface OutcomeEffect {
  /** `retry_count + 1`: the attempt counts as a failure. */
  readonly countsAttempt: boolean;
  /** `last_error = error` (else `last_error` is kept). */
  readonly recordsError: boolean;
  /**
   * `is_complete = true`, `completed_at = now`. Only a finishing outcome may delete the
   * row (`deleteOnFinish`) or insert its cron successor.
   */
  readonly finishes: boolean;
  /** `failed_at = now`: the job gave up. */
  readonly marksFailed: boolean;
  /** `scheduled_at = now + retryDelayMs` when `retryDelayMs` is not null. */
  readonly reschedules: boolean;
}

/**
 * The one description of every outcome kind; adapters render their statements from it
 * and the memory adapter applies it directly. A kind added to `JobOutcomeKind` fails the
 * typecheck here until its effect is written down.
 */
export const OUTCOME_EFFECTS = {
  succeeded: {
    countsAttempt: false,
    recordsError: false,
    finishes: true,
    marksFailed: false,
    reschedules: false,
  },
  retry: {
    countsAttempt: true,
    recordsError: true,
    finishes: false,
    marksFailed: false,
    reschedules: true,
  },
  failed: {
    countsAttempt: true,
    recordsError: true,
    finishes: true,
    marksFailed: true,
    reschedules: false,
  },
  // The claim that handed the job out already counted the lost attempt and its error.
  abandoned: {
    countsAttempt: false,
    recordsError: false,
    finishes: true,
    marksFailed: true,
    reschedules: false,
  },
  // A prefetched job handed back unstarted: only the lease goes.
  released: {
    countsAttempt: false,
    recordsError: false,
    finishes: false,
    marksFailed: false,
    reschedules: false,
  },
} as const satisfies Record<JobOutcomeKind, OutcomeEffect>;

export const OUTCOME_KINDS = Object.keys(OUTCOME_EFFECTS) as JobOutcomeKind[];

/**
 * The effect of `kind`; a value outside `JobOutcomeKind` (an untyped caller) is an
 * `invalid_argument`, never a silent default.
 */
export function outcomeEffect(kind: JobOutcomeKind): OutcomeEffect {
  if (!Object.hasOwn(OUTCOME_EFFECTS, kind)) {
    throw invalidArgument("outcome.kind", `one of ${OUTCOME_KINDS.join(", ")}`, kind);
  }
  return OUTCOME_EFFECTS[kind];
}

/** The kinds that have `effect`, in table order. */
export function outcomeKindsWhere(effect: keyof OutcomeEffect): JobOutcomeKind[] {
  return OUTCOME_KINDS.filter((kind) => OUTCOME_EFFECTS[kind][effect]);
}

/**
 * SQL that is true when `column` holds a kind with `effect`, e.g.
 * `input.kind IN ('succeeded', 'failed', 'abandoned')`; the same text on every dialect.
 * Kinds are fixed identifiers from the table above, never input.
 */
export function outcomeKindCondition(column: string, effect: keyof OutcomeEffect): string {
  const kinds = outcomeKindsWhere(effect);
  if (kinds.length === 0) return "1 = 0";
  return `${column} IN (${kinds.map((kind) => `'${kind}'`).join(", ")})`;
}

/** The columns an outcome writes, in the order `outcomeAssignments` lists them. */
export type OutcomeColumn =
  | "retry_count"
  | "last_error"
  | "scheduled_at"
  | "is_complete"
  | "completed_at"
  | "failed_at"
  | "updated_at"
  | "locked_by"
  | "locked_until";

/** How a dialect spells the values an outcome writes. */
export interface OutcomeValues {
  readonly now: string;
  readonly error: string;
  /** The new `scheduled_at` of a rescheduling outcome (keeping it when there is no delay). */
  readonly rescheduledAt: string;
  readonly true: string;
}

/**
 * The `SET` list of one outcome kind as `{ column, value }` pairs in a fixed order, so a
 * dialect with positional parameters can walk the same list to bind them.
 */
export function outcomeAssignments(
  kind: JobOutcomeKind,
  values: OutcomeValues,
): { column: OutcomeColumn; value: string }[] {
  const effect = outcomeEffect(kind);
  const set: { column: OutcomeColumn; value: string }[] = [];
  if (effect.countsAttempt) set.push({ column: "retry_count", value: "retry_count + 1" });
  if (effect.recordsError) set.push({ column: "last_error", value: values.error });
  if (effect.reschedules) set.push({ column: "scheduled_at", value: values.rescheduledAt });
  if (effect.finishes) {
    set.push({ column: "is_complete", value: values.true });
    set.push({ column: "completed_at", value: values.now });
  }
  if (effect.marksFailed) set.push({ column: "failed_at", value: values.now });
  set.push({ column: "updated_at", value: values.now });
  set.push({ column: "locked_by", value: "NULL" });
  set.push({ column: "locked_until", value: "NULL" });
  return set;
}

/** `outcomeAssignments` joined into `column = value, ...`. */
export function outcomeSetClause(kind: JobOutcomeKind, values: OutcomeValues): string {
  return outcomeAssignments(kind, values)
    .map(({ column, value }) => `${column} = ${value}`)
    .join(", ");
}
