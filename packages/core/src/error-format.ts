/** Recorded errors are cut to this many characters; a row never grows without bound. */
export const MAX_ERROR_LENGTH = 8_000;

/**
 * Turns anything a handler threw into bounded text every database can store. Never
 * throws: a thrown string, `null`, an object with a throwing getter, or an error with a
 * circular `cause` all become a message.
 */
export function formatJobError(error: unknown): string {
  let text: string;
  try {
    text = describe(error, 0, new Set());
  } catch {
    text = "unprintable error";
  }
  return toStorableText(text, MAX_ERROR_LENGTH);
}

/** Replaces NUL and lone surrogates (unstorable on Postgres/MySQL) and bounds the length. */
export function toStorableText(text: string, maxLength: number): string {
  let clean = text.replaceAll("\u0000", "\uFFFD");
  const wellFormed = (clean as { toWellFormed?: () => string }).toWellFormed;
  clean =
    typeof wellFormed === "function"
      ? wellFormed.call(clean)
      : clean.replace(/[\uD800-\uDFFF]/g, "\uFFFD");
  if (clean.length <= maxLength) return clean;
  // Do not cut a surrogate pair in half.
  let end = maxLength - 1;
  const code = clean.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${clean.slice(0, end)}…`;
}

function describe(error: unknown, depth: number, seen: Set<unknown>): string {
  if (error instanceof Error) {
    if (seen.has(error)) return "[circular cause]";
    seen.add(error);
    const head =
      safeRead(() => error.stack) ??
      `${safeRead(() => error.name)}: ${safeRead(() => error.message)}`;
    const cause = safeRead(() => error.cause);
    if (cause !== undefined && depth < 5) {
      return `${head}\ncaused by: ${describe(cause, depth + 1, seen)}`;
    }
    return String(head);
  }
  if (typeof error === "string") return error;
  if (error === null || error === undefined) return `non-error thrown: ${String(error)}`;
  if (typeof error === "object") {
    try {
      return `non-error thrown: ${JSON.stringify(error)}`;
    } catch {
      return `non-error thrown: ${Object.prototype.toString.call(error)}`;
    }
  }
  return `non-error thrown: ${String(error)}`;
}

function safeRead<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
