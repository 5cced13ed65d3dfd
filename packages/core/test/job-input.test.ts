import { describe, expect, it } from "vitest";
import { toNewJob } from "../src/job-input.ts";

describe("toNewJob", () => {
  it("fills the defaults", () => {
    expect(toNewJob({ name: "a" })).toEqual({
      name: "a",
      dataJson: "{}",
      priority: 5,
      scheduledAt: null,
      handlerTimeout: null,
    });
  });

  it("accepts a literal backslash-u text in data, which is not an escape", () => {
    expect(toNewJob({ name: "a", data: { s: "\\u0000 and \\ud800" } }).dataJson).toBe(
      '{"s":"\\\\u0000 and \\\\ud800"}',
    );
  });

  it("copies scheduledAt so later mutation of the caller's Date changes nothing", () => {
    const date = new Date("2030-01-01T00:00:00Z");
    const job = toNewJob({ name: "a", scheduledAt: date });
    date.setFullYear(2040);
    expect(job.scheduledAt!.toISOString()).toBe("2030-01-01T00:00:00.000Z");
  });
});
