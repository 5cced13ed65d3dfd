import { DocketError } from "@docket/core";
import { describe, expect, it } from "vitest";
import { inlineValues, literal } from "../src/mysql-literals.ts";

describe("mysql literals", () => {
  it("writes integers as digits, strings as utf8mb4 hex, null as NULL", () => {
    expect(literal(-42)).toBe("-42");
    expect(literal("a'\\")).toBe("_utf8mb4 X'61275c'");
    expect(literal("")).toBe("_utf8mb4 X''");
    expect(literal(null)).toBe("NULL");
  });

  it("refuses values that are not integers or strings", () => {
    expect(() => literal(1.5)).toThrow(DocketError);
    expect(() => literal(2 ** 53)).toThrow(DocketError);
    expect(() => literal(true as unknown as number)).toThrow(DocketError);
  });

  it("fills every placeholder in order and refuses a count mismatch", () => {
    expect(inlineValues("SELECT ? FROM t WHERE a IN (?, ?)", [1, "x", null])).toBe(
      "SELECT 1 FROM t WHERE a IN (_utf8mb4 X'78', NULL)",
    );
    // The same statement again, with other values.
    expect(inlineValues("SELECT ? FROM t WHERE a IN (?, ?)", [2, "", 3])).toBe(
      "SELECT 2 FROM t WHERE a IN (_utf8mb4 X'', 3)",
    );
    expect(inlineValues("SELECT 1", [])).toBe("SELECT 1");
    expect(() => inlineValues("SELECT ?, ?", [1])).toThrow(DocketError);
    expect(() => inlineValues("SELECT ?", [1, 2])).toThrow(DocketError);
  });
});
