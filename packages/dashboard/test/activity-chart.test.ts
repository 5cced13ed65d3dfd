import { describe, expect, it } from "vitest";
import { ACTIVITY_BUCKETS, activityChart, activitySince } from "../src/activity-chart.ts";
import { formatRelative } from "../src/format.ts";

describe("activityChart", () => {
  it("starts 59 minutes before the current minute", () => {
    const now = new Date("2026-01-01T12:30:45Z");
    expect(activitySince(now).toISOString()).toBe("2026-01-01T11:31:00.000Z");
  });

  it("draws one bar group per non-empty minute, ignoring buckets outside the hour", () => {
    const since = new Date("2026-01-01T11:31:00Z");
    const at = (minute: number) => new Date(since.getTime() + minute * 60_000);
    const svg = activityChart(
      [
        { at: at(0), completed: 3, failed: 0 },
        { at: at(ACTIVITY_BUCKETS - 1), completed: 1, failed: 2 },
        { at: at(ACTIVITY_BUCKETS + 5), completed: 9, failed: 9 },
      ],
      since,
    ).value;
    expect(svg.match(/class="bar-completed"/g)).toHaveLength(2);
    expect(svg.match(/class="bar-failed"/g)).toHaveLength(1);
    expect(svg).toContain("4 completed, 2 failed");
    expect(svg).toContain("12:30 UTC: 1 completed, 2 failed");
  });
});

describe("formatRelative", () => {
  it("rounds to one unit and says past or future", () => {
    const now = new Date("2026-01-01T12:00:00Z");
    expect(formatRelative(new Date("2026-01-01T11:57:00Z"), now)).toBe("3 min ago");
    expect(formatRelative(new Date("2026-01-01T14:00:00Z"), now)).toBe("in 2 h");
    expect(formatRelative(now, now)).toBe("now");
  });
});
