import { DocketError, type StorageAdapter } from "@docket/core";
import { type FileMeta, type FileStoreSeam, invalidArgument } from "@docket/core/adapter";

/** Lowercase v4 UUID, as `crypto.randomUUID()` makes them (docs/files.md: ids). */
const FILE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isFileId(value: unknown): value is string {
  return typeof value === "string" && FILE_ID.test(value);
}

export function validateFileId(value: unknown, field = "id"): asserts value is string {
  if (!isFileId(value)) throw invalidArgument(field, "a lowercase v4 UUID", value);
}

/** The adapter's file seam, or `unsupported` when this adapter has none. */
export function fileSeamOf(adapter: StorageAdapter): FileStoreSeam {
  if (typeof adapter !== "object" || adapter === null || typeof adapter.enqueue !== "function") {
    throw invalidArgument("adapter", "a Docket StorageAdapter", adapter);
  }
  const seam = adapter.files;
  if (seam === undefined) {
    throw new DocketError(
      "unsupported",
      `the ${adapter.dialect} adapter has no file store (adapter.files is missing)`,
      { field: "adapter" },
    );
  }
  return seam;
}

const META_KEYS = new Set([
  "transforms",
  "transformedFromOriginal",
  "originalWidth",
  "originalHeight",
  "placeholderImage",
  "altText",
]);

/** Validates `meta` against docs/files.md; unknown keys are rejected. Returns a copy. */
export function validateFileMeta(meta: unknown, field = "meta"): FileMeta {
  if (meta === undefined) return {};
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    throw invalidArgument(field, "an object", meta);
  }
  const result: FileMeta = {};
  for (const [key, value] of Object.entries(meta)) {
    if (value === undefined) continue;
    if (!META_KEYS.has(key)) {
      throw invalidArgument(`${field}.${key}`, `one of ${[...META_KEYS].join(", ")}`, key);
    }
    switch (key) {
      case "transforms": {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          throw invalidArgument(`${field}.transforms`, "an object of key → file id", value);
        }
        const transforms: Record<string, string> = {};
        for (const [transformKey, id] of Object.entries(value)) {
          validateFileId(id, `${field}.transforms.${transformKey}`);
          transforms[transformKey] = id;
        }
        result.transforms = transforms;
        break;
      }
      case "transformedFromOriginal":
        validateFileId(value, `${field}.transformedFromOriginal`);
        result.transformedFromOriginal = value;
        break;
      case "originalWidth":
      case "originalHeight":
        if (!Number.isSafeInteger(value) || (value as number) < 0) {
          throw invalidArgument(`${field}.${key}`, "a non-negative integer", value);
        }
        result[key] = value as number;
        break;
      case "placeholderImage":
      case "altText":
        if (typeof value !== "string") throw invalidArgument(`${field}.${key}`, "a string", value);
        result[key] = value;
        break;
    }
  }
  return result;
}
