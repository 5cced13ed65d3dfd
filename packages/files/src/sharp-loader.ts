import { DocketError } from "@docket/core";

/**
 * How image work gets sharp: resolves to sharp's default export. Jobs accept another loader
 * (tests simulate a missing sharp). Typed loosely on purpose: sharp is an optional peer, and
 * the published declarations must typecheck in an application that does not install it.
 */
export type SharpLoader = () => Promise<unknown>;

/**
 * Loads the optional peer dependency `sharp` on first use, so `@docket/files` and
 * `@docket/jobs-builtin` import without it. Missing: `dependency_missing` (field `sharp`).
 */
export const loadSharp: SharpLoader = async () => {
  try {
    const module = (await import("sharp")) as { default: unknown };
    return module.default;
  } catch (error) {
    throw sharpMissing(error);
  }
};

export function sharpMissing(cause: unknown): DocketError {
  return new DocketError(
    "dependency_missing",
    "image jobs need the optional peer dependency 'sharp': install it next to @docket/files (npm install sharp)",
    { field: "sharp", cause },
  );
}
