import { describe, expect, it } from "vitest";
import { formatJobError, MAX_ERROR_LENGTH, toStorableText } from "../src/error-format.ts";

describe("formatJobError", () => {
  it("keeps the message and stack of an Error and follows its cause", () => {
    const error = new Error("outer", { cause: new Error("inner") });
    const text = formatJobError(error);
    expect(text).toContain("outer");
    expect(text).toContain("caused by: Error: inner");
  });

  it("survives circular causes, throwing getters, strings, null and undefined", () => {
    const circular = new Error("loop");
    (circular as { cause?: unknown }).cause = circular;
    const bomb = Object.defineProperty({}, "toJSON", {
      get: () => {
        throw new Error("getter");
      },
    });
    expect(formatJobError(circular)).toContain("[circular cause]");
    expect(typeof formatJobError(bomb)).toBe("string");
    expect(formatJobError("plain")).toBe("plain");
    expect(formatJobError(null)).toContain("null");
    expect(formatJobError(undefined)).toContain("undefined");
  });

  it("bounds the length and replaces NUL and lone surrogates", () => {
    expect(formatJobError(new Error("x".repeat(50_000))).length).toBeLessThanOrEqual(
      MAX_ERROR_LENGTH,
    );
    const clean = toStorableText("a\u0000b\uD800c", 100);
    expect(clean).toBe("a\uFFFDb\uFFFDc");
    // A surrogate pair is never cut in half at the bound.
    const cut = toStorableText(`${"x".repeat(8)}😀😀`, 10);
    expect(cut.isWellFormed()).toBe(true);
  });
});
