import { describe, expect, it } from "vitest";
import { DocketError } from "../src/errors.ts";
import { retryDelayMs, validateRetryBackoff } from "../src/retry-backoff.ts";

describe("retry backoff", () => {
  it("is none by default: a failed job is eligible again at once", () => {
    expect(retryDelayMs(validateRetryBackoff(undefined, "retryBackoff"), 1)).toBeNull();
  });

  it("doubles an exponential delay per failure, capped at maxMs", () => {
    const backoff = validateRetryBackoff(
      { type: "exponential", baseMs: 1000, maxMs: 5000, jitter: false },
      "b",
    );
    expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(backoff, n))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
  });

  it("keeps jittered delays between half and all of the exponential delay", () => {
    const backoff = validateRetryBackoff({ type: "exponential", baseMs: 1000 }, "b");
    expect(retryDelayMs(backoff, 3, () => 0)).toBe(2000);
    expect(retryDelayMs(backoff, 3, () => 1)).toBe(4000);
  });

  it("falls back to no delay when a custom function throws or returns nonsense", () => {
    expect(
      retryDelayMs(() => {
        throw new Error("x");
      }, 1),
    ).toBeNull();
    expect(retryDelayMs(() => Number.NaN, 1)).toBeNull();
    expect(retryDelayMs((n) => n * 10, 3)).toBe(30);
  });

  it("rejects malformed backoff options with a typed error", () => {
    expect(() => validateRetryBackoff({ type: "linear" }, "retryBackoff")).toThrow(DocketError);
    expect(() => validateRetryBackoff({ type: "fixed", delayMs: -1 }, "retryBackoff")).toThrow(
      /delayMs/,
    );
    expect(() =>
      validateRetryBackoff({ type: "exponential", baseMs: 1, extra: 1 }, "retryBackoff"),
    ).toThrow(/extra/);
  });
});
