import {
  type DocketEvent,
  eventStart,
  eventStop,
  type HandlerContext,
  type JobHandler,
  type JobRecord,
} from "@docket/core";
import { invalidArgument } from "@docket/core/adapter";
import {
  DEFAULT_GRACE_PERIOD_MS,
  type FileCleanupResult,
  fileCleanupBucket,
  type ObjectStorage,
} from "@docket/files";
import { adapterFromHandlerArgs } from "./adapter-from-handler.ts";

export interface JobFileCleanupOptions {
  /** Objects younger than this are kept (their row may not be committed yet). Default 1 h. */
  gracePeriodMs?: number;
  /** Objects listed and checked per round, 1–1000. Default 1000. */
  batchSize?: number;
}

/**
 * A handler for `compas.file.cleanup` (cron `0 2 * * *`, docs/files.md): deletes
 * transformed rows whose original is gone, then every object in `bucketName` without a
 * row, in batches, sparing objects younger than the grace period. Other buckets are never
 * touched. Logs and returns the counts.
 */
export function jobFileCleanup(
  storage: ObjectStorage,
  bucketName: string,
  options: JobFileCleanupOptions = {},
): JobHandler {
  if (typeof storage?.list !== "function") {
    throw invalidArgument("storage", "an ObjectStorage from @docket/files", storage);
  }
  storage.validateBucketName(bucketName);
  const gracePeriodMs = options.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS;
  if (!Number.isFinite(gracePeriodMs) || gracePeriodMs < 0) {
    throw invalidArgument("gracePeriodMs", "a non-negative number", gracePeriodMs);
  }
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
    throw invalidArgument("batchSize", "an integer from 1 to 1000", batchSize);
  }
  return async (
    event: DocketEvent,
    db: unknown,
    _job: JobRecord,
    context: HandlerContext,
  ): Promise<FileCleanupResult> => {
    eventStart(event, "jobFileCleanup");
    const adapter = adapterFromHandlerArgs(db, context);
    const result = await fileCleanupBucket(adapter, storage, bucketName, {
      gracePeriodMs,
      batchSize,
      ...(event.signal === undefined ? {} : { signal: event.signal }),
    });
    event.log.info({ type: "docket.file_cleanup", bucketName, ...result });
    eventStop(event);
    return result;
  };
}
