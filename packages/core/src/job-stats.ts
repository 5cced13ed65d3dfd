import { assertAdapter } from "./adapter-check.ts";
import { invalidArgument } from "./errors.ts";
import type { JobNameCounts, StorageAdapter } from "./storage-adapter.ts";
import { isPlainObject, isValidDate, rejectUnknownKeys } from "./validation.ts";

/**
 * Read-only operator views: per-name counts by state, and finished jobs per time bucket
 * (the dashboard's last-hour chart). Both read the adapter's indexes for finished history
 * so they stay fast on deep tables (see each adapter's migration 5).
 */

export interface CountJobsByNameOptions {
  /**
   * Count finished jobs (completed, failed, cancelled) only when they finished at or
   * after this instant; pending, scheduled and running are always counted in full.
   * Without it every finished job in the table is counted, which reads all history: on
   * a deep table (a million rows) prefer a window such as the last 24 hours.
   */
  finishedSince?: Date | undefined;
}

/** How many jobs of each name are in each state, names ascending. */
export async function queueWorkerCountJobsByName(
  adapter: StorageAdapter,
  options: CountJobsByNameOptions = {},
): Promise<JobNameCounts[]> {
  assertAdapter(adapter);
  if (!isPlainObject(options)) throw invalidArgument("options", "an object", options);
  rejectUnknownKeys(options, ["finishedSince"], "options", invalidArgument);
  const since = options.finishedSince;
  if (since !== undefined && !isValidDate(since)) {
    throw invalidArgument("options.finishedSince", "a valid Date", since);
  }
  return adapter.countJobsByName({ finishedSince: since ?? null });
}

export interface JobActivityOptions {
  /** Start of the first bucket. */
  since: Date;
  /** Bucket width in ms, 1 000 (a second) to 86 400 000 (a day). */
  bucketMs: number;
}

export interface JobActivityBucket {
  /** Start of the bucket. */
  at: Date;
  /** Jobs that finished successfully in the bucket. */
  completed: number;
  /** Jobs that gave up in the bucket. */
  failed: number;
}

const MIN_BUCKET_MS = 1000;
const MAX_BUCKET_MS = 86_400_000;
/** A chart has at most this many buckets: `since` farther back is refused. */
export const MAX_ACTIVITY_BUCKETS = 10_000;

/**
 * Finished jobs per bucket from `since` up to the adapter's now, every bucket present
 * (zeros included) so a chart can draw it as it is. Cancelled jobs are not counted.
 */
export async function queueWorkerJobActivity(
  adapter: StorageAdapter,
  options: JobActivityOptions,
): Promise<JobActivityBucket[]> {
  assertAdapter(adapter);
  if (!isPlainObject(options)) throw invalidArgument("options", "an object", options);
  rejectUnknownKeys(options, ["since", "bucketMs"], "options", invalidArgument);
  const { since, bucketMs } = options;
  if (!isValidDate(since)) throw invalidArgument("options.since", "a valid Date", since);
  if (
    typeof bucketMs !== "number" ||
    !Number.isSafeInteger(bucketMs) ||
    bucketMs < MIN_BUCKET_MS ||
    bucketMs > MAX_BUCKET_MS
  ) {
    throw invalidArgument(
      "options.bucketMs",
      `an integer from ${MIN_BUCKET_MS} to ${MAX_BUCKET_MS}`,
      bucketMs,
    );
  }
  // Checked against this process's clock before any query; the adapter's clock decides
  // the last bucket below (they differ by clock skew at most).
  if ((Date.now() - since.getTime()) / bucketMs > MAX_ACTIVITY_BUCKETS) {
    throw invalidArgument(
      "options.since",
      `at most ${MAX_ACTIVITY_BUCKETS} buckets of options.bucketMs ago`,
      since,
    );
  }
  // One after the other: one pooled connection at a time is enough for a chart.
  const rows = await adapter.jobActivity({ since, bucketMs });
  const now = await adapter.now();
  const last = Math.max(0, Math.floor((now.getTime() - since.getTime()) / bucketMs));
  const buckets: JobActivityBucket[] = [];
  for (let i = 0; i <= Math.min(last, MAX_ACTIVITY_BUCKETS); i++) {
    buckets.push({ at: new Date(since.getTime() + i * bucketMs), completed: 0, failed: 0 });
  }
  for (const row of rows) {
    const bucket = buckets[Math.floor(row.bucket)];
    if (bucket === undefined) continue; // finished after `now` was read
    bucket.completed += row.completed;
    bucket.failed += row.failed;
  }
  return buckets;
}
