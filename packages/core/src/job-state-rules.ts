import type { JobState } from "./job-record.ts";

/**
 * Each `JobState` as a conjunction of tests on a row's columns at the clock `now`
 * (docs/queue.md §2b). Core's `jobState()` evaluates these rules and every adapter
 * renders its SQL from them, so the states cannot drift apart. The six rules are
 * mutually exclusive and cover every row.
 */
export type StateTest =
  /** `is_complete` is `is`. */
  | { readonly column: "is_complete"; readonly is: boolean }
  /** The timestamp is set (`IS NOT NULL`) or not. */
  | { readonly column: "failed_at" | "cancelled_at"; readonly isSet: boolean }
  /** `column > now`, or its negation (a null `locked_until` is not after now). */
  | { readonly column: "locked_until" | "scheduled_at"; readonly afterNow: boolean };

const incomplete = { column: "is_complete", is: false } as const;
const complete = { column: "is_complete", is: true } as const;
const leased = { column: "locked_until", afterNow: true } as const;
const notLeased = { column: "locked_until", afterNow: false } as const;
const notCancelled = { column: "cancelled_at", isSet: false } as const;

export const JOB_STATE_RULES = {
  pending: [incomplete, notLeased, { column: "scheduled_at", afterNow: false }],
  scheduled: [incomplete, notLeased, { column: "scheduled_at", afterNow: true }],
  running: [incomplete, leased],
  completed: [complete, notCancelled, { column: "failed_at", isSet: false }],
  failed: [complete, notCancelled, { column: "failed_at", isSet: true }],
  cancelled: [complete, { column: "cancelled_at", isSet: true }],
} as const satisfies Record<JobState, readonly StateTest[]>;

/** The columns the rules read, as epoch ms (null when unset), and the completion flag. */
export interface StateFacts {
  readonly isComplete: boolean;
  readonly failedAt: number | null;
  readonly cancelledAt: number | null;
  readonly lockedUntil: number | null;
  readonly scheduledAt: number;
}

function passes(test: StateTest, facts: StateFacts, now: number): boolean {
  switch (test.column) {
    case "is_complete":
      return facts.isComplete === test.is;
    case "failed_at":
      return (facts.failedAt !== null) === test.isSet;
    case "cancelled_at":
      return (facts.cancelledAt !== null) === test.isSet;
    case "locked_until":
      return (facts.lockedUntil !== null && facts.lockedUntil > now) === test.afterNow;
    case "scheduled_at":
      return facts.scheduledAt > now === test.afterNow;
  }
}

const STATES = Object.keys(JOB_STATE_RULES) as JobState[];

/** Whether a row is in `state` at `now` (epoch ms). */
export function isInState(state: JobState, facts: StateFacts, now: number): boolean {
  return JOB_STATE_RULES[state].every((test: StateTest) => passes(test, facts, now));
}

/** The one state whose rule the row passes. */
export function stateOfFacts(facts: StateFacts, now: number): JobState {
  const state = STATES.find((candidate) => isInState(candidate, facts, now));
  // Unreachable while the rules cover every row; a rule edit that breaks that shows here.
  if (state === undefined) throw new Error("docket: the job-state rules cover no state for a row");
  return state;
}

/** How a dialect spells the parts of a state condition. */
export interface StateSqlDialect {
  /** The clock expression: `statement_timestamp()`, `UTC_TIMESTAMP(3)`, `@now`. */
  readonly now: string;
  /** `is_complete` as a condition and its negation (`is_complete` / `is_complete = 1`). */
  readonly isTrue: (column: string) => string;
  readonly isFalse: (column: string) => string;
  /** Qualifies a column (`t.failed_at`); default: the bare name. */
  readonly column?: (name: string) => string;
}

function renderTest(test: StateTest, dialect: StateSqlDialect): string {
  const col = dialect.column?.(test.column) ?? test.column;
  switch (test.column) {
    case "is_complete":
      return test.is ? dialect.isTrue(col) : dialect.isFalse(col);
    case "failed_at":
    case "cancelled_at":
      return test.isSet ? `${col} IS NOT NULL` : `${col} IS NULL`;
    case "locked_until":
      return test.afterNow
        ? `${col} > ${dialect.now}`
        : `(${col} IS NULL OR ${col} <= ${dialect.now})`;
    case "scheduled_at":
      return test.afterNow ? `${col} > ${dialect.now}` : `${col} <= ${dialect.now}`;
  }
}

/** The SQL condition of `state` (parenthesised, safe to AND with others). */
export function stateCondition(state: JobState, dialect: StateSqlDialect): string {
  const tests: readonly StateTest[] = JOB_STATE_RULES[state];
  return `(${tests.map((test) => renderTest(test, dialect)).join(" AND ")})`;
}

/** Every state's condition for one dialect, built once by an adapter's SQL module. */
export function stateConditions(dialect: StateSqlDialect): Record<JobState, string> {
  return Object.fromEntries(
    STATES.map((state) => [state, stateCondition(state, dialect)]),
  ) as Record<JobState, string>;
}
