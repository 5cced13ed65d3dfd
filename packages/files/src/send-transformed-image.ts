import type { IncomingMessage, ServerResponse } from "node:http";
import { queueWorkerAddJob, type StorageAdapter } from "@docket/core";
import { FILE_TRANSFORM_JOB_NAME, type FileRow, invalidArgument } from "@docket/core/adapter";
import { fileSeamOf, isFileId } from "./file-validation.ts";
import {
  formatFromAccept,
  transformKeyOf,
  validateTransformRequest,
} from "./image-transform-key.ts";
import type { ObjectStorage } from "./object-storage.ts";
import { type FileSendOptions, fileSendResponse } from "./send-file.ts";

export interface TransformedImageOptions extends FileSendOptions {
  /** Width: 1–99999 or `"original"` (numbers or integer strings). */
  w: number | string;
  /** Quality 1–100, default 75. */
  q?: number | string;
  allowedWidths?: readonly number[];
  allowedQualities?: readonly number[];
}

/** What `compas.file.transformImage` receives. */
export interface TransformImageJobData {
  fileId: string;
  transformKey: string;
  options: { w: number; q: number; contentType: string };
}

/**
 * Sends an image resized to `w` at quality `q` in the best format the client accepts
 * (docs/files.md). A variant made before is sent as is; otherwise the original is sent
 * and `compas.file.transformImage` is enqueued — at most one unfinished job per file and
 * key: the decision runs in a transaction that first locks the file row, so two
 * concurrent requests decide one after the other and the second sees the first's job.
 * Always `Vary: Accept`.
 */
export async function fileSendTransformedImageResponse(
  adapter: StorageAdapter,
  storage: ObjectStorage,
  req: IncomingMessage,
  res: ServerResponse,
  file: FileRow,
  options: TransformedImageOptions,
): Promise<void> {
  const seam = fileSeamOf(adapter);
  if (typeof file?.id !== "string") throw invalidArgument("file", "a file row", file);
  if (typeof options !== "object" || options === null) {
    throw invalidArgument("options", "an object with w and q", options);
  }
  const { w, q } = validateTransformRequest(options, options);
  const sendOptions: FileSendOptions =
    options.cacheControlHeader === undefined
      ? {}
      : { cacheControlHeader: options.cacheControlHeader };
  res.setHeader("Vary", "Accept");
  if (w === "original") return fileSendResponse(req, res, storage, file, sendOptions);

  const format = formatFromAccept(req.headers.accept);
  const transformKey = transformKeyOf(format, w, q);
  const transformedId = file.meta.transforms?.[transformKey];
  if (isFileId(transformedId)) {
    const transformed = await seam.get(transformedId);
    if (transformed !== null) return fileSendResponse(req, res, storage, transformed, sendOptions);
  }

  const contentType =
    format === "webp" ? "image/webp" : format === "avif" ? "image/avif" : file.contentType;
  await enqueueTransformOnce(adapter, {
    fileId: file.id,
    transformKey,
    options: { w, q, contentType },
  });
  return fileSendResponse(req, res, storage, file, sendOptions);
}

/** Enqueues the transform unless an unfinished job for the same file and key exists. */
export async function enqueueTransformOnce(
  adapter: StorageAdapter,
  data: TransformImageJobData,
): Promise<boolean> {
  return adapter.transaction(async (tx) => {
    const seam = fileSeamOf(tx.adapter);
    const locked = await seam.lockFile(data.fileId);
    if (locked === null) return false;
    const current = locked.meta.transforms?.[data.transformKey];
    // Made (and still present) since the caller read the row: nothing to do.
    if (isFileId(current) && (await seam.get(current)) !== null) return false;
    if (await seam.hasPendingTransformJob(data.fileId, data.transformKey)) return false;
    await queueWorkerAddJob(tx.adapter, {
      name: FILE_TRANSFORM_JOB_NAME,
      data: { fileId: data.fileId, transformKey: data.transformKey, options: data.options },
    });
    return true;
  });
}
