import { randomUUID } from "node:crypto";
import type { StorageAdapter } from "@docket/core";
import { fileSeamOf, isFileId } from "./file-validation.ts";
import type { ObjectStorage } from "./object-storage.ts";
import { loadSharp, type SharpLoader } from "./sharp-loader.ts";
import { requireSharp } from "./sharp-require.ts";

export type TransformOutcome =
  | { status: "transformed"; transformedId: string; contentLength: number }
  | { status: "original"; reason: "svg" | "empty" | "animated" | "unsupported" }
  | { status: "skipped"; reason: "missing" | "invalid_data" | "already_done" };

interface ValidJobData {
  fileId: string;
  transformKey: string;
  w: number;
  q: number;
  contentType: string;
}

/** Job data as `fileSendTransformedImageResponse` writes it; anything else is ignored. */
function readJobData(data: unknown): ValidJobData | null {
  if (typeof data !== "object" || data === null) return null;
  const { fileId, transformKey, options } = data as Record<string, unknown>;
  if (!isFileId(fileId) || typeof transformKey !== "string" || transformKey.length === 0) {
    return null;
  }
  if (typeof options !== "object" || options === null) return null;
  const { w, q, contentType } = options as Record<string, unknown>;
  if (!Number.isSafeInteger(w) || (w as number) < 1 || (w as number) > 99_999) return null;
  if (!Number.isSafeInteger(q) || (q as number) < 1 || (q as number) > 100) return null;
  if (typeof contentType !== "string") return null;
  return { fileId, transformKey, w: w as number, q: q as number, contentType };
}

const ENCODABLE = new Set(["image/webp", "image/avif", "image/png", "image/jpeg", "image/gif"]);

/**
 * What `compas.file.transformImage` does (docs/files.md): auto-rotate, shrink to `w` only
 * when wider (never upscale), encode at quality `q`, store as a new file in the same
 * bucket (name = key, `meta.transformedFromOriginal` = original id), then — in one
 * transaction with that row — set `meta.transforms[key]` on the original (a JSON-function
 * update that keeps concurrent updates of other keys) and fill its dimensions when
 * missing. SVG, empty and animated files map the key to the original's own id. A key that
 * is set already (and points at a row) is not transformed again.
 */
export async function fileTransformImage(
  adapter: StorageAdapter,
  storage: ObjectStorage,
  jobData: unknown,
  loader: SharpLoader = loadSharp,
): Promise<TransformOutcome> {
  const seam = fileSeamOf(adapter);
  const data = readJobData(jobData);
  if (data === null) return { status: "skipped", reason: "invalid_data" };
  const file = await seam.get(data.fileId);
  if (file === null) return { status: "skipped", reason: "missing" };
  const existing = file.meta.transforms?.[data.transformKey];
  if (isFileId(existing) && (existing === file.id || (await seam.get(existing)) !== null)) {
    return { status: "skipped", reason: "already_done" };
  }

  const mapToOriginal = async (reason: "svg" | "empty" | "animated" | "unsupported") => {
    await seam.setTransform(file.id, data.transformKey, file.id);
    return { status: "original", reason } as const;
  };
  if (file.contentType === "image/svg+xml") return mapToOriginal("svg");
  if (file.contentLength === 0) return mapToOriginal("empty");
  if (!file.contentType.startsWith("image/") || !ENCODABLE.has(data.contentType)) {
    return mapToOriginal("unsupported");
  }

  const sharp = await requireSharp(loader);
  const buffer = await storage.getBuffer(file.bucketName, file.id);
  if (buffer.length === 0) return mapToOriginal("empty");
  let output: Buffer;
  let width: number;
  let height: number;
  try {
    const metadata = await sharp(buffer).metadata();
    if ((metadata.pages ?? 1) > 1) return mapToOriginal("animated");
    const turned = (metadata.orientation ?? 1) >= 5;
    width = (turned ? metadata.height : metadata.width) ?? 0;
    height = (turned ? metadata.width : metadata.height) ?? 0;
    let pipeline = sharp(buffer).rotate();
    if (width > data.w) pipeline = pipeline.resize({ width: data.w });
    switch (data.contentType) {
      case "image/webp":
        pipeline = pipeline.webp({ quality: data.q });
        break;
      case "image/avif":
        pipeline = pipeline.avif({ quality: data.q });
        break;
      case "image/png":
        pipeline = pipeline.png({ quality: data.q });
        break;
      case "image/jpeg":
        pipeline = pipeline.jpeg({ quality: data.q });
        break;
      default:
        pipeline = pipeline.gif();
    }
    output = await pipeline.toBuffer();
  } catch {
    return mapToOriginal("unsupported");
  }

  const transformedId = randomUUID();
  await storage.put(file.bucketName, transformedId, output, {
    contentType: data.contentType,
    contentLength: output.length,
  });
  await adapter.transaction(async (tx) => {
    const txSeam = fileSeamOf(tx.adapter);
    await txSeam.upsert({
      id: transformedId,
      bucketName: file.bucketName,
      name: data.transformKey,
      contentType: data.contentType,
      contentLength: output.length,
      meta: { transformedFromOriginal: file.id },
    });
    await txSeam.setTransform(file.id, data.transformKey, transformedId);
    await txSeam.mergeMeta(
      file.id,
      { originalWidth: width, originalHeight: height },
      { overwrite: false },
    );
  });
  return { status: "transformed", transformedId, contentLength: output.length };
}
