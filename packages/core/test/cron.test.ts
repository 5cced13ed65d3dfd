import { describe, expect, it } from "vitest";
import { cronRow, nextCronOccurrence, validateCronExpression } from "../src/cron.ts";
import { CRON_JOB_TYPE } from "../src/storage-adapter.ts";

describe("cron expressions", () => {
  it("accepts 5 and 6 fields and evaluates them in UTC", () => {
    expect(validateCronExpression("0 1 * * *", "e")).toBe("0 1 * * *");
    expect(validateCronExpression("*/5 * * * * *", "e")).toBe("*/5 * * * * *");
    expect(nextCronOccurrence("0 1 * * *", new Date("2026-03-01T05:00:00Z")).toISOString()).toBe(
      "2026-03-02T01:00:00.000Z",
    );
    expect(
      nextCronOccurrence("*/10 * * * * *", new Date("2026-03-01T05:00:01Z")).toISOString(),
    ).toBe("2026-03-01T05:00:10.000Z");
  });

  it("returns the next occurrence strictly after the given instant", () => {
    expect(nextCronOccurrence("0 * * * *", new Date("2026-03-01T05:00:00Z")).toISOString()).toBe(
      "2026-03-01T06:00:00.000Z",
    );
  });

  it.each(["", "   ", "* * * *", "* * * * * * *", "@daily", "61 * * * *", "a b c d e"])(
    "rejects %j rather than guessing",
    (expression) => {
      expect(() => validateCronExpression(expression, "cronExpression")).toThrow(
        expect.objectContaining({ code: "invalid_cron_expression", field: "cronExpression" }),
      );
    },
  );

  it("builds the pending row with the Compas cron data", () => {
    const now = new Date("2026-03-01T05:00:00Z");
    const row = cronRow("nightly", "0 1 * * *", 4, now);
    expect(row.nextRunAt.toISOString()).toBe("2026-03-02T01:00:00.000Z");
    expect(JSON.parse(row.dataJson)).toEqual({
      jobType: CRON_JOB_TYPE,
      cronExpression: "0 1 * * *",
      cronLastCompletedAt: now.toISOString(),
    });
  });
});
