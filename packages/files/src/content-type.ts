import { open } from "node:fs/promises";
import { fileTypeFromBuffer } from "file-type";
import isSvg from "is-svg";
import mime from "mime-types";

/** file-type needs at most this many leading bytes; SVG detection reads the same prefix. */
export const SNIFF_BYTES = 4100;

export const UNKNOWN_CONTENT_TYPE = "application/octet-stream";

/**
 * The content type of a file from its first bytes (docs/files.md): magic bytes with
 * file-type, then SVG recognised from its text (with or without an XML prolog), then the
 * file name with mime-types, else `application/octet-stream`.
 */
export async function sniffContentType(head: Buffer, name: string): Promise<string> {
  const detected = await fileTypeFromBuffer(head);
  if (detected !== undefined && detected.mime !== "application/xml") return detected.mime;
  if (looksLikeSvg(head)) return "image/svg+xml";
  const byName = mime.lookup(name);
  return byName === false ? UNKNOWN_CONTENT_TYPE : byName;
}

function looksLikeSvg(head: Buffer): boolean {
  // A truncated document cannot be parsed whole: judge the prefix, closing the root so
  // is-svg's parser sees a complete element when the real file is longer than the prefix.
  const text = head.toString("utf8");
  if (!/<svg[\s>]/i.test(text)) return false;
  if (isSvg(text)) return true;
  const open = text.slice(0, text.search(/<svg[\s>]/i));
  const rootStart = text.slice(open.length);
  const tagEnd = rootStart.indexOf(">");
  if (tagEnd === -1) return false;
  return isSvg(`${open}${rootStart.slice(0, tagEnd + 1)}</svg>`);
}

/** The first `SNIFF_BYTES` of a file on disk. */
export async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
