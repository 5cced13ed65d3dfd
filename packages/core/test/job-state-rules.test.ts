import { describe, expect, it } from "vitest";
import { JOB_STATES } from "../src/job-record.ts";
import { isInState, type StateFacts, stateCondition } from "../src/job-state-rules.ts";

const NOW = 1_000_000;

/** Every combination of the facts the rules read, around `NOW`. */
function everyRow(): StateFacts[] {
  const rows: StateFacts[] = [];
  for (const isComplete of [false, true])
    for (const failedAt of [null, NOW - 1])
      for (const cancelledAt of [null, NOW - 1])
        for (const lockedUntil of [null, NOW - 1, NOW, NOW + 1])
          for (const scheduledAt of [NOW - 1, NOW, NOW + 1])
            rows.push({ isComplete, failedAt, cancelledAt, lockedUntil, scheduledAt });
  return rows;
}

describe("job-state rules", () => {
  it("put every row in exactly one state", () => {
    for (const row of everyRow()) {
      const states = JOB_STATES.filter((state) => isInState(state, row, NOW));
      expect({ row, states: states.length }).toEqual({ row, states: 1 });
    }
  });

  it("render the SQL of a state from its rule, with the dialect's clock and flags", () => {
    const dialect = {
      now: "@now",
      isTrue: (column: string) => `${column} = 1`,
      isFalse: (column: string) => `${column} = 0`,
    };
    expect(stateCondition("pending", dialect)).toBe(
      "(is_complete = 0 AND (locked_until IS NULL OR locked_until <= @now) AND scheduled_at <= @now)",
    );
    expect(stateCondition("failed", { ...dialect, column: (name) => `t.${name}` })).toBe(
      "(t.is_complete = 1 AND t.cancelled_at IS NULL AND t.failed_at IS NOT NULL)",
    );
  });
});
