import type { StorageAdapter } from "@docket/core";
import { invalidArgument } from "@docket/core/adapter";
import { fileSeamOf, isFileId } from "./file-validation.ts";
import type { ObjectStorage } from "./object-storage.ts";

export interface FileCleanupOptions {
  /** Objects younger than this survive (an upload whose row is not committed yet). Default 1 h. */
  gracePeriodMs?: number;
  /** Objects listed and checked per round. Default 1000. */
  batchSize?: number;
  /** Stops between batches when aborted. */
  signal?: AbortSignal;
}

export interface FileCleanupResult {
  removedTransformRows: number;
  removedObjects: number;
  keptYoungObjects: number;
}

export const DEFAULT_GRACE_PERIOD_MS = 3_600_000;

/**
 * What `compas.file.cleanup` does (docs/files.md): delete transformed rows whose original
 * is gone, then every object in `bucketName` without a row, page by page (past 1,000
 * objects), skipping objects younger than the grace period. Rows whose object is missing
 * stay; other buckets are never listed.
 */
export async function fileCleanupBucket(
  adapter: StorageAdapter,
  storage: ObjectStorage,
  bucketName: string,
  options: FileCleanupOptions = {},
): Promise<FileCleanupResult> {
  const seam = fileSeamOf(adapter);
  storage.validateBucketName(bucketName);
  const gracePeriodMs = options.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS;
  if (!Number.isFinite(gracePeriodMs) || gracePeriodMs < 0) {
    throw invalidArgument("gracePeriodMs", "a non-negative number", gracePeriodMs);
  }
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
    throw invalidArgument("batchSize", "an integer from 1 to 1000", batchSize);
  }

  const removedTransformRows = await seam.deleteOrphanTransforms(bucketName);
  // Object times come from the storage's clock; compare with this process's clock, which
  // a grace period of minutes to hours tolerates.
  const youngerThan = Date.now() - gracePeriodMs;
  let removedObjects = 0;
  let keptYoungObjects = 0;
  let after: string | null = null;
  do {
    const page = await storage.list(bucketName, { limit: batchSize, after });
    after = page.next;
    const old = page.objects.filter((object) => object.lastModified.getTime() <= youngerThan);
    keptYoungObjects += page.objects.length - old.length;
    const candidateIds = old.map((object) => object.key).filter(isFileId);
    const existing = new Set(await seam.existingIds(candidateIds));
    const orphans = old.map((object) => object.key).filter((key) => !existing.has(key));
    if (orphans.length > 0) await storage.deleteMany(bucketName, orphans);
    removedObjects += orphans.length;
  } while (after !== null && options.signal?.aborted !== true);
  return { removedTransformRows, removedObjects, keptYoungObjects };
}
