import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { type FileRow, invalidArgument } from "@docket/core/adapter";
import { decideRange } from "./http-range.ts";
import type { ObjectStorage } from "./object-storage.ts";

export interface FileSendOptions {
  /** Default `max-age=120, must-revalidate`. */
  cacheControlHeader?: string;
}

export const DEFAULT_CACHE_CONTROL = "max-age=120, must-revalidate";

/**
 * Sends a stored file on Node's request/response (node:http, Express, Fastify's raw
 * objects, Koa's `ctx.req`/`ctx.res`), per docs/files.md: `Accept-Ranges`, `Content-Type`,
 * `Content-Length`, `Cache-Control`, `Last-Modified`; `304` when the file is not newer than
 * `If-Modified-Since`; single byte ranges → `206`; an unsatisfiable range → `416` with
 * `Content-Range: bytes &#42;/size` and no body. Resolves when the response has ended.
 */
export async function fileSendResponse(
  req: IncomingMessage,
  res: ServerResponse,
  storage: ObjectStorage,
  file: FileRow,
  options: FileSendOptions = {},
): Promise<void> {
  if (typeof req?.headers !== "object") throw invalidArgument("req", "an IncomingMessage", req);
  if (typeof res?.setHeader !== "function") throw invalidArgument("res", "a ServerResponse", res);
  if (typeof file?.id !== "string") throw invalidArgument("file", "a file row", file);
  const cacheControl = options.cacheControlHeader ?? DEFAULT_CACHE_CONTROL;
  if (typeof cacheControl !== "string") {
    throw invalidArgument("cacheControlHeader", "a string", cacheControl);
  }

  const size = file.contentLength;
  // HTTP dates have whole seconds: compare at that precision, or a file would always look
  // newer than the Last-Modified the client echoes back.
  const modifiedSeconds = Math.floor(file.updatedAt.getTime() / 1000);
  res.setHeader("Accept-Ranges", "bytes");
  res.setHeader("Cache-Control", cacheControl);
  res.setHeader("Last-Modified", new Date(modifiedSeconds * 1000).toUTCString());

  const since = Date.parse(req.headers["if-modified-since"] ?? "");
  if (!Number.isNaN(since) && modifiedSeconds * 1000 <= since && req.headers.range === undefined) {
    res.statusCode = 304;
    res.end();
    return;
  }

  const range = decideRange(req.headers.range, size);
  if (range.kind === "unsatisfiable") {
    res.statusCode = 416;
    res.setHeader("Content-Range", `bytes */${size}`);
    res.setHeader("Content-Length", 0);
    res.end();
    return;
  }
  const headOnly = req.method === "HEAD";
  res.setHeader("Content-Type", file.contentType);
  if (range.kind === "partial") {
    res.statusCode = 206;
    res.setHeader("Content-Range", `bytes ${range.start}-${range.end}/${size}`);
    res.setHeader("Content-Length", range.end - range.start + 1);
  } else {
    res.statusCode = 200;
    res.setHeader("Content-Length", size);
  }
  if (headOnly || size === 0) {
    res.end();
    return;
  }
  const body = await storage.getStream(
    file.bucketName,
    file.id,
    range.kind === "partial" ? { start: range.start, end: range.end } : undefined,
  );
  await pipeline(body, res);
}
