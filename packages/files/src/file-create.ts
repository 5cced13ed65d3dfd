import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DocketError, queueWorkerAddJob, type StorageAdapter } from "@docket/core";
import { type FileRow, invalidArgument } from "@docket/core/adapter";
import { readHead, SNIFF_BYTES, sniffContentType } from "./content-type.ts";
import { fileSeamOf, validateFileId, validateFileMeta } from "./file-validation.ts";
import type { ObjectStorage } from "./object-storage.ts";

export const PLACEHOLDER_JOB_NAME = "compas.file.generatePlaceholderImage";

export interface FileCreateSettings {
  bucketName: string;
  /** When given, the content is sniffed and must be one of these types. */
  allowedContentTypes?: readonly string[];
  /** Enqueue `compas.file.generatePlaceholderImage` for an image, with the row. */
  schedulePlaceholderImageJob?: boolean;
}

export interface FileCreateProps {
  name: string;
  /** Replace this file (a lowercase v4 UUID); a new id is made when absent. */
  id?: string;
  contentType?: string;
  meta?: unknown;
}

/** A Buffer, a path to a file, or a readable stream. */
export type FileSource = Buffer | string | Readable;

/**
 * Uploads `source` as the object `id` in `bucketName` and upserts its row (docs/files.md).
 * All input is checked before anything is uploaded or written. The content type is
 * sniffed when `allowedContentTypes` is given or no type was passed (the sniffed type
 * wins); SVG is recognised from its text; unknown content is `application/octet-stream`.
 * With `schedulePlaceholderImageJob` and an image, the placeholder job commits in the
 * same transaction as the row. A stream is spooled to a temporary file first: its length
 * is needed for the row and for S3, and its first bytes for sniffing.
 */
export async function fileCreateOrUpdate(
  adapter: StorageAdapter,
  storage: ObjectStorage,
  settings: FileCreateSettings,
  props: FileCreateProps,
  source: FileSource,
): Promise<FileRow> {
  const seam = fileSeamOf(adapter);
  if (typeof storage?.put !== "function") {
    throw invalidArgument("storage", "an ObjectStorage", storage);
  }
  if (typeof settings !== "object" || settings === null) {
    throw invalidArgument("settings", "an object", settings);
  }
  storage.validateBucketName(settings.bucketName);
  const allowed = settings.allowedContentTypes;
  if (
    allowed !== undefined &&
    (!Array.isArray(allowed) || allowed.some((type) => typeof type !== "string"))
  ) {
    throw invalidArgument("allowedContentTypes", "an array of content types", allowed);
  }
  if (
    settings.schedulePlaceholderImageJob !== undefined &&
    typeof settings.schedulePlaceholderImageJob !== "boolean"
  ) {
    throw invalidArgument(
      "schedulePlaceholderImageJob",
      "a boolean",
      settings.schedulePlaceholderImageJob,
    );
  }
  if (typeof props !== "object" || props === null)
    throw invalidArgument("props", "an object", props);
  if (typeof props.name !== "string" || props.name.length === 0) {
    throw invalidArgument("name", "a non-empty string", props.name);
  }
  if (props.id !== undefined) validateFileId(props.id, "id");
  if (
    props.contentType !== undefined &&
    (typeof props.contentType !== "string" || props.contentType.length === 0)
  ) {
    throw invalidArgument("contentType", "a non-empty string", props.contentType);
  }
  const meta = validateFileMeta(props.meta);
  if (!Buffer.isBuffer(source) && typeof source !== "string" && !(source instanceof Readable)) {
    throw invalidArgument("source", "a Buffer, a file path or a readable stream", source);
  }

  const spooled = source instanceof Readable ? await spoolToTempFile(source) : null;
  try {
    const content = await describeSource(spooled?.path ?? (source as Buffer | string));
    let contentType = props.contentType;
    if (allowed !== undefined || contentType === undefined) {
      contentType = await sniffContentType(content.head, props.name);
    }
    if (allowed !== undefined && !allowed.includes(contentType)) {
      throw new DocketError(
        "file_content_type_not_allowed",
        `content type ${contentType} is not allowed; allowed: ${allowed.join(", ") || "(none)"}`,
        { field: "contentType" },
      );
    }

    const id = props.id ?? randomUUID();
    const bucketName = settings.bucketName;
    await storage.put(bucketName, id, content.body(), {
      contentType,
      contentLength: content.length,
    });
    const row = {
      id,
      bucketName,
      name: props.name,
      contentType,
      contentLength: content.length,
      meta,
    };
    if (settings.schedulePlaceholderImageJob === true && contentType.startsWith("image/")) {
      return await adapter.transaction(async (tx) => {
        const stored = await fileSeamOf(tx.adapter).upsert(row);
        await queueWorkerAddJob(tx.adapter, { name: PLACEHOLDER_JOB_NAME, data: { fileId: id } });
        return stored;
      });
    }
    return await seam.upsert(row);
  } finally {
    if (spooled !== null) await rm(spooled.directory, { recursive: true, force: true });
  }
}

interface SourceContent {
  head: Buffer;
  length: number;
  body(): Buffer | Readable;
}

async function describeSource(source: Buffer | string): Promise<SourceContent> {
  if (Buffer.isBuffer(source)) {
    return { head: source.subarray(0, SNIFF_BYTES), length: source.length, body: () => source };
  }
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(source);
  } catch {
    throw invalidArgument("source", "a readable file path", source);
  }
  if (!info.isFile()) throw invalidArgument("source", "a path to a regular file", source);
  return {
    head: await readHead(source),
    length: info.size,
    body: () => createReadStream(source),
  };
}

async function spoolToTempFile(stream: Readable): Promise<{ directory: string; path: string }> {
  const directory = await mkdtemp(join(tmpdir(), "docket-upload-"));
  const path = join(directory, "body");
  try {
    await pipeline(stream, createWriteStream(path));
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw invalidArgument("source", "a readable stream that ends without error", String(error));
  }
  return { directory, path };
}
