import { describe, expect, it } from "vitest";
import { SCHEMA_MIGRATIONS } from "../src/adapter/schema-migrations.ts";
import { DocketError } from "../src/errors.ts";
import { validateTableName } from "../src/table-name.ts";

/** Every `...Suffix`/`suffix` string in the migrations: the names derived from the table. */
function suffixesIn(value: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) suffixesIn(item, found);
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (/suffix$/i.test(key) && typeof item === "string") found.add(item);
      else suffixesIn(item, found);
    }
  }
  return found;
}

describe("validateTableName", () => {
  it("accepts the longest allowed name and refuses one character more", () => {
    expect(validateTableName("t".repeat(37))).toBe("t".repeat(37));
    expect(() => validateTableName("t".repeat(38))).toThrow(DocketError);
    expect(validateTableName(undefined)).toBe("docket_job");
    expect(() => validateTableName("1job")).toThrow(DocketError);
    expect(() => validateTableName("job;drop")).toThrow(DocketError);
  });

  it("leaves room for every derived table and index name within Postgres's 63 characters", () => {
    const suffixes = suffixesIn(SCHEMA_MIGRATIONS, new Set());
    expect(suffixes.size).toBeGreaterThan(10);
    const longest = Math.max(...[...suffixes].map((suffix) => suffix.length));
    expect(37 + longest).toBeLessThanOrEqual(63);
  });
});
