import { describe, expect, it } from "vitest";
import { sessionDataChecksum, sessionDataToJson } from "../src/index.ts";

describe("session data", () => {
  it("serialises with sorted keys at every depth, so key order never changes the checksum", () => {
    const a = sessionDataToJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: null } });
    const b = sessionDataToJson({ a: { c: null, d: [{ x: 2, y: 1 }] }, b: 1 });
    expect(a).toBe('{"a":{"c":null,"d":[{"x":2,"y":1}]},"b":1}');
    expect(b).toBe(a);
    expect(sessionDataChecksum(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(sessionDataChecksum(a)).not.toBe(sessionDataChecksum(sessionDataToJson({ b: 2 })));
  });

  it("round-trips what it accepts", () => {
    const data = { s: "ü ✓ 𝄞", n: -1.25e-7, t: true, list: [1, "x", null, { k: [] }] };
    expect(JSON.parse(sessionDataToJson(data))).toEqual(data);
  });

  it("names the path of what it refuses", () => {
    expect(() => sessionDataToJson({ a: [1, { b: new Date() }] })).toThrow(
      expect.objectContaining({ code: "invalid_argument", field: "data.a[1].b" }),
    );
    // An array with a hole (`[1, , 3]`): JSON would turn the hole into null.
    const holey = [1, 2, 3];
    delete holey[1];
    expect(() => sessionDataToJson({ a: holey })).toThrow(
      expect.objectContaining({ field: "data.a[1]" }),
    );
    const shared = { x: 1 };
    // The same object twice is not a cycle.
    expect(sessionDataToJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});
