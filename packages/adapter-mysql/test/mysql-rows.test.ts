import { describe, expect, it } from "vitest";
import { padToBucket } from "../src/mysql-connection.ts";
import { chunkRows, formatUtcDateTime, limitParam, parseUtcDateTime } from "../src/mysql-rows.ts";

describe("mysql value mapping", () => {
  it("formats and parses DATETIME text as UTC with milliseconds", () => {
    const date = new Date("2024-02-29T23:59:58.007Z");
    expect(formatUtcDateTime(date)).toBe("2024-02-29 23:59:58.007");
    expect(parseUtcDateTime("2024-02-29 23:59:58.007")).toEqual(date);
    expect(parseUtcDateTime("2024-02-29 23:59:58")).toEqual(new Date("2024-02-29T23:59:58.000Z"));
    expect(parseUtcDateTime("2024-02-29 23:59:58.0071")).toEqual(date);
  });

  it("parses every fraction length and separator MySQL may send, and refuses other text", () => {
    expect(parseUtcDateTime("2024-02-29 23:59:58.5")).toEqual(new Date("2024-02-29T23:59:58.500Z"));
    expect(parseUtcDateTime("2024-02-29 23:59:58.51")).toEqual(
      new Date("2024-02-29T23:59:58.510Z"),
    );
    expect(parseUtcDateTime("2024-02-29 23:59:58.123456")).toEqual(
      new Date("2024-02-29T23:59:58.123Z"),
    );
    expect(parseUtcDateTime("2024-02-29T23:59:58.007")).toEqual(
      new Date("2024-02-29T23:59:58.007Z"),
    );
    expect(parseUtcDateTime("1000-01-01 00:00:00")).toEqual(new Date("1000-01-01T00:00:00.000Z"));
    for (const text of [
      "2024-02-29 23:59:58.",
      "2024-02-29 23:59:58.1234567",
      "2024-2-29 23:59:58",
      "2024-02-29 23:59:5x",
      "2024-02-29",
    ]) {
      expect(() => parseUtcDateTime(text)).toThrow(/unexpected DATETIME value/);
    }
  });

  it("rejects dates outside DATETIME's years instead of storing a zero date", () => {
    expect(() => formatUtcDateTime(new Date("0999-12-31T00:00:00Z"))).toThrow(/between the years/);
    expect(() => formatUtcDateTime(new Date(8.64e15), "nextRunAt")).toThrow(/nextRunAt/);
    expect(() => formatUtcDateTime(new Date(Number.NaN))).toThrow(/scheduledAt/);
  });

  it("pads IN-lists to powers of two with the last item", () => {
    expect(padToBucket([1])).toEqual([1]);
    expect(padToBucket([1, 2, 3])).toEqual([1, 2, 3, 3]);
    expect(padToBucket([1, 2, 3, 4, 5])).toEqual([1, 2, 3, 4, 5, 5, 5, 5]);
  });

  it("sends LIMIT values as decimal strings", () => {
    expect(limitParam(10)).toBe("10");
    expect(limitParam(2.7)).toBe("2");
  });

  it("splits a batch by packet budget and rejects a job that cannot fit alone", () => {
    const job = (bytes: number) => ({
      name: "n",
      dataJson: "x".repeat(bytes),
      priority: 0,
      scheduledAt: null,
      handlerTimeout: null,
    });
    expect(chunkRows([job(10), job(10), job(10)], 10_000)).toEqual([[0, 3]]);
    expect(chunkRows([job(4000), job(4000), job(4000)], 10_000)).toEqual([
      [0, 2],
      [2, 3],
    ]);
    expect(() => chunkRows([job(10), job(20_000)], 10_000)).toThrow(/max_allowed_packet/);
  });
});
