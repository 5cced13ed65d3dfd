import { createHash } from "node:crypto";
import type { JsonValue } from "@docket/core";
import { invalidArgument } from "@docket/core/adapter";

/** Session data: a plain JSON object. */
export type SessionData = { [key: string]: JsonValue };

/**
 * Key-sorted JSON of `data`, after checking that it survives a JSON round trip unchanged:
 * plain objects and arrays of strings, finite numbers, booleans and null, without cycles.
 * Anything else (a Date, a Map, a function, `undefined`, NaN, a bigint, a class instance)
 * would be silently changed or dropped by `JSON.stringify`, so it is rejected instead.
 * Throws `invalid_argument` naming the path (`data.user.createdAt`).
 */
export function sessionDataToJson(data: unknown, field = "data"): string {
  if (!isPlainObject(data)) throw invalidArgument(field, "a plain JSON object", data);
  return stableJson(data, field, new Set());
}

/**
 * The checksum `sessionStoreUpdate` compares: sha256 of the key-sorted JSON, so a
 * database that reorders JSON keys (Postgres `jsonb`) never causes a write
 * (docs/sessions.md).
 */
export function sessionDataChecksum(dataJson: string): string {
  return createHash("sha256").update(dataJson).digest("hex");
}

function stableJson(value: unknown, path: string, ancestors: Set<object>): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      // Postgres jsonb cannot hold NUL or lone surrogates: refuse them everywhere, so data
      // that works on SQLite in tests also works in production.
      if (!isStorableText(value)) {
        throw invalidArgument(path, "text without NUL characters or lone surrogates", value);
      }
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw invalidArgument(path, "a finite number", value);
      return JSON.stringify(value);
    case "object":
      break;
    default:
      throw invalidArgument(path, "a JSON value", value);
  }
  const object = value as object;
  if (ancestors.has(object)) throw invalidArgument(path, "a JSON value without cycles", value);
  ancestors.add(object);
  let json: string;
  if (Array.isArray(object)) {
    const items: string[] = [];
    for (let index = 0; index < object.length; index++) {
      // A hole would become null: not a round trip.
      if (!(index in object)) throw invalidArgument(`${path}[${index}]`, "a JSON value", undefined);
      items.push(stableJson(object[index], `${path}[${index}]`, ancestors));
    }
    json = `[${items.join(",")}]`;
  } else if (isPlainObject(object)) {
    const entries = Object.keys(object)
      .sort()
      .map((key) => {
        if (!isStorableText(key)) {
          throw invalidArgument(`${path}.${key}`, "a key without NUL or lone surrogates", key);
        }
        return `${JSON.stringify(key)}:${stableJson((object as Record<string, unknown>)[key], `${path}.${key}`, ancestors)}`;
      });
    json = `{${entries.join(",")}}`;
  } else {
    throw invalidArgument(path, "a plain object, array or JSON primitive", value);
  }
  ancestors.delete(object);
  return json;
}

function isStorableText(text: string): boolean {
  return !text.includes("\u0000") && text.isWellFormed();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
