import { DocketError } from "@docket/core";
import type Sharp from "sharp";

export type SharpFunction = typeof Sharp;

/** How image work gets sharp; jobs accept another loader (tests simulate a missing sharp). */
export type SharpLoader = () => Promise<SharpFunction>;

/**
 * Loads the optional peer dependency `sharp` on first use, so `@docket/files` and
 * `@docket/jobs-builtin` import without it. Missing: `dependency_missing` (field `sharp`).
 */
export const loadSharp: SharpLoader = async () => {
  try {
    const module = (await import("sharp")) as { default: SharpFunction };
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

/** Loads with `loader`, turning any failure into the typed `dependency_missing` error. */
export async function requireSharp(loader: SharpLoader): Promise<SharpFunction> {
  try {
    return await loader();
  } catch (error) {
    if (error instanceof DocketError && error.code === "dependency_missing") throw error;
    throw sharpMissing(error);
  }
}
