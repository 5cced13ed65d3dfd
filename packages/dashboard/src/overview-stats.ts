import {
  type JobActivityBucket,
  type JobNameCounts,
  type Logger,
  queueWorkerCountJobsByName,
  queueWorkerJobActivity,
  type StorageAdapter,
} from "@docket/core";
import { ACTIVITY_BUCKET_MS, activitySince } from "./activity-chart.ts";

export interface OverviewStats {
  /** Unfinished jobs in full; completed, failed and cancelled ones finished since `since`. */
  byName: JobNameCounts[];
  activity: JobActivityBucket[];
  since: Date;
  /** The adapter's clock when these were read. */
  at: Date;
}

/** Stale data older than this many times `maxAgeMs` is never served: the request waits. */
const STALE_FACTOR = 12;

/**
 * The overview's aggregates (per-name counts, the last hour's activity), shared by every
 * request for `maxAgeMs`. On a deep table they read hundreds of thousands of index
 * entries, so each open browser (the overview refreshes every 5 s) must not run them
 * again: within `maxAgeMs` the last result is served; up to 12 × `maxAgeMs` it is served
 * while one refresh runs in the background; older, the request waits for fresh numbers.
 * `maxAgeMs: 0` reads them on every request.
 */
export class OverviewStatsCache {
  #value: OverviewStats | null = null;
  #readAt = 0;
  #refreshing: Promise<OverviewStats> | null = null;

  constructor(
    private readonly adapter: StorageAdapter,
    private readonly maxAgeMs: number,
    private readonly logger: Logger,
  ) {}

  async get(now: Date): Promise<OverviewStats> {
    if (this.maxAgeMs === 0) return read(this.adapter, now);
    const age = Date.now() - this.#readAt;
    if (this.#value !== null && age <= this.maxAgeMs) return this.#value;
    if (this.#value !== null && age <= this.maxAgeMs * STALE_FACTOR) {
      this.#refresh(now).catch((error: unknown) => {
        this.logger.error({
          type: "dashboard_stats_error",
          message: error instanceof Error ? error.message : String(error),
        });
      });
      return this.#value;
    }
    return this.#refresh(now);
  }

  #refresh(now: Date): Promise<OverviewStats> {
    this.#refreshing ??= read(this.adapter, now)
      .then((value) => {
        this.#value = value;
        this.#readAt = Date.now();
        return value;
      })
      .finally(() => {
        this.#refreshing = null;
      });
    return this.#refreshing;
  }
}

async function read(adapter: StorageAdapter, now: Date): Promise<OverviewStats> {
  const since = activitySince(now);
  // Finished jobs are counted over the same hour the chart shows: the counts read that
  // range of the finished-jobs index, never the whole history (a million rows deep).
  const [byName, activity] = await Promise.all([
    queueWorkerCountJobsByName(adapter, { finishedSince: since }),
    queueWorkerJobActivity(adapter, { since, bucketMs: ACTIVITY_BUCKET_MS }),
  ]);
  return { byName, activity, since, at: now };
}
