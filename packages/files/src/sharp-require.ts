import { DocketError } from "@docket/core";
import type Sharp from "sharp";
import { type SharpLoader, sharpMissing } from "./sharp-loader.ts";

/**
 * sharp's own type, for the image code inside this package only: it is kept out of the
 * public declarations so they typecheck without sharp installed.
 */
export type SharpFunction = typeof Sharp;

/** Loads with `loader`, turning any failure into the typed `dependency_missing` error. */
export async function requireSharp(loader: SharpLoader): Promise<SharpFunction> {
  try {
    return (await loader()) as SharpFunction;
  } catch (error) {
    if (error instanceof DocketError && error.code === "dependency_missing") throw error;
    throw sharpMissing(error);
  }
}
