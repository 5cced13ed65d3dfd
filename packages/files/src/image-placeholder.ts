import type { StorageAdapter } from "@docket/core";
import { fileSeamOf, isFileId } from "./file-validation.ts";
import type { ObjectStorage } from "./object-storage.ts";
import { loadSharp, type SharpLoader } from "./sharp-loader.ts";
import { requireSharp } from "./sharp-require.ts";

/** Width of the placeholder, per docs/files.md. */
const PLACEHOLDER_WIDTH = 10;

export type PlaceholderOutcome =
  | { updated: true; placeholderImage: string; originalWidth: number; originalHeight: number }
  | { updated: false; reason: "missing" | "not_image" | "animated" | "unreadable" };

/**
 * What `compas.file.generatePlaceholderImage` does (docs/files.md): for an image (SVG
 * included, not animated), an auto-rotated 10 px wide JPEG data URL in
 * `meta.placeholderImage` and `originalWidth`/`originalHeight` after rotation, merged into
 * `meta` in one statement (other keys kept). Reads the file's own bucket. A missing file,
 * a non-image, an animated or undecodable image: nothing changes.
 */
export async function fileGeneratePlaceholderImage(
  adapter: StorageAdapter,
  storage: ObjectStorage,
  fileId: unknown,
  loader: SharpLoader = loadSharp,
): Promise<PlaceholderOutcome> {
  const seam = fileSeamOf(adapter);
  if (!isFileId(fileId)) return { updated: false, reason: "missing" };
  const file = await seam.get(fileId);
  if (file === null) return { updated: false, reason: "missing" };
  if (!file.contentType.startsWith("image/")) return { updated: false, reason: "not_image" };
  const sharp = await requireSharp(loader);
  const buffer = await storage.getBuffer(file.bucketName, file.id);

  let placeholder: Buffer;
  let width: number;
  let height: number;
  try {
    const metadata = await sharp(buffer).metadata();
    if ((metadata.pages ?? 1) > 1) return { updated: false, reason: "animated" };
    // EXIF orientations 5–8 turn the image a quarter: width and height swap.
    const turned = (metadata.orientation ?? 1) >= 5;
    width = (turned ? metadata.height : metadata.width) ?? 0;
    height = (turned ? metadata.width : metadata.height) ?? 0;
    placeholder = await sharp(buffer)
      .rotate()
      .resize({ width: PLACEHOLDER_WIDTH })
      .jpeg({ quality: 50, optimiseCoding: true })
      .toBuffer();
  } catch {
    return { updated: false, reason: "unreadable" };
  }
  const placeholderImage = `data:image/jpeg;base64,${placeholder.toString("base64")}`;
  const found = await seam.mergeMeta(
    file.id,
    { placeholderImage, originalWidth: width, originalHeight: height },
    { overwrite: true },
  );
  if (!found) return { updated: false, reason: "missing" };
  return { updated: true, placeholderImage, originalWidth: width, originalHeight: height };
}
