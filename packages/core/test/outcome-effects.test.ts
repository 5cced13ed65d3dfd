import { describe, expect, it } from "vitest";
import {
  outcomeEffect,
  outcomeKindCondition,
  outcomeSetClause,
} from "../src/adapter/outcome-effects.ts";
import { DocketError } from "../src/errors.ts";
import { isFinishingOutcome, type JobOutcomeKind } from "../src/storage-adapter.ts";

describe("outcome effects", () => {
  it("render the kinds with an effect as one IN-list", () => {
    expect(outcomeKindCondition("input.kind", "finishes")).toBe(
      "input.kind IN ('succeeded', 'failed', 'abandoned')",
    );
    expect(outcomeKindCondition("input.kind", "countsAttempt")).toBe(
      "input.kind IN ('retry', 'failed')",
    );
    expect(isFinishingOutcome("released")).toBe(false);
  });

  it("render one kind's SET list: a release only clears the lease", () => {
    const values = { now: "@now", error: "@error", rescheduledAt: "@at", true: "1" };
    expect(outcomeSetClause("released", values)).toBe(
      "updated_at = @now, locked_by = NULL, locked_until = NULL",
    );
    expect(outcomeSetClause("failed", values)).toBe(
      "retry_count = retry_count + 1, last_error = @error, is_complete = 1, completed_at = @now, " +
        "failed_at = @now, updated_at = @now, locked_by = NULL, locked_until = NULL",
    );
  });

  it("rejects a kind it does not know with invalid_argument", () => {
    let caught: unknown;
    try {
      outcomeEffect("skipped" as JobOutcomeKind);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DocketError);
    expect(caught).toMatchObject({ code: "invalid_argument", field: "outcome.kind" });
  });
});
