import { DocketError, type StorageAdapter } from "@docket/core";
import type { FileRow } from "@docket/core/adapter";
import { fileSeamOf, validateFileId } from "./file-validation.ts";
import { validateS3BucketName } from "./object-storage.ts";

/** One file row; `file_not_found` when there is none. */
export async function fileGet(adapter: StorageAdapter, id: string): Promise<FileRow> {
  const seam = fileSeamOf(adapter);
  validateFileId(id, "id");
  const row = await seam.get(id);
  if (row === null) {
    throw new DocketError("file_not_found", `no file with id ${id}`, { field: "id" });
  }
  return row;
}

/** The rows of one bucket, oldest first. */
export async function fileList(
  adapter: StorageAdapter,
  query: { bucketName: string },
): Promise<FileRow[]> {
  const seam = fileSeamOf(adapter);
  validateS3BucketName(query?.bucketName);
  return seam.list(query.bucketName);
}

/**
 * Deletes the row at once; the object is removed later by `jobFileCleanup` (so a response
 * streaming it right now is not cut off). True when the row existed.
 */
export async function fileDelete(adapter: StorageAdapter, id: string): Promise<boolean> {
  const seam = fileSeamOf(adapter);
  validateFileId(id, "id");
  return seam.delete(id);
}
