import { invalidArgument } from "@docket/core/adapter";

export type TransformFormat = "webp" | "avif" | "none";

/** `compas-image-transform-{webp|avif|none}-w{w}-q{q}` (docs/files.md). */
export function transformKeyOf(format: TransformFormat, w: number, q: number): string {
  return `compas-image-transform-${format}-w${w}-q${q}`;
}

/**
 * The output format from `Accept`: webp when accepted (also for `*\/*`, `image/*` or no
 * header), else avif when accepted, else the original type.
 */
export function formatFromAccept(accept: string | undefined): TransformFormat {
  if (accept === undefined || accept.trim() === "") return "webp";
  const accepted = new Set<string>();
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.split(";").map((piece) => piece.trim().toLowerCase());
    const refused = params.some((param) => /^q\s*=\s*0(\.0*)?$/.test(param));
    if (!refused && type !== "") accepted.add(type);
  }
  if (accepted.has("image/webp") || accepted.has("*/*") || accepted.has("image/*")) return "webp";
  if (accepted.has("image/avif")) return "avif";
  return "none";
}

/** Accepts numbers or integer strings (query parameters arrive as strings). */
function toInteger(value: unknown): number | null {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : null;
  if (typeof value === "string" && /^\d{1,6}$/.test(value)) return Number(value);
  return null;
}

export interface TransformRequest {
  w: number | "original";
  q: number;
}

/** Validates `w` (1–99999 or "original") and `q` (1–100, default 75) and their allow-lists. */
export function validateTransformRequest(
  options: { w?: unknown; q?: unknown },
  allow: { allowedWidths?: readonly number[]; allowedQualities?: readonly number[] },
): TransformRequest {
  const rawQ = options.q ?? 75;
  const q = toInteger(rawQ);
  if (q === null || q < 1 || q > 100) throw invalidArgument("q", "an integer from 1 to 100", rawQ);
  if (allow.allowedQualities !== undefined && !allow.allowedQualities.includes(q)) {
    throw invalidArgument("q", `one of ${allow.allowedQualities.join(", ")}`, rawQ);
  }
  if (options.w === "original") return { w: "original", q };
  const w = toInteger(options.w);
  if (w === null || w < 1 || w > 99_999) {
    throw invalidArgument("w", 'an integer from 1 to 99999 or "original"', options.w);
  }
  if (allow.allowedWidths !== undefined && !allow.allowedWidths.includes(w)) {
    throw invalidArgument("w", `one of ${allow.allowedWidths.join(", ")}`, options.w);
  }
  return { w, q };
}
