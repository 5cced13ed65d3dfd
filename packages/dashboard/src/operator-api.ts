// TEMPORARY stand-in for the operator API (issue 12 item 1), replaced by re-exports from
// @docket/core once it lands. Shapes follow the names the project fixed.
import { DocketError, type JobState, queueWorkerListJobs, type StorageAdapter } from "@docket/core";

export type JobActionResult =
  | { ok: true }
  | { ok: false; reason: "not_found" | "running" | "invalid_state"; state?: JobState };

export interface JobNameCounts {
  name: string;
  pending: number;
  scheduled: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export async function queueWorkerCountJobsByName(
  adapter: StorageAdapter,
): Promise<JobNameCounts[]> {
  const byName = new Map<string, JobNameCounts>();
  for (const state of ["pending", "scheduled", "running", "completed", "failed"] as const) {
    for (const job of await queueWorkerListJobs(adapter, { state, limit: 10_000 })) {
      let row = byName.get(job.name);
      if (row === undefined) {
        row = {
          name: job.name,
          pending: 0,
          scheduled: 0,
          running: 0,
          completed: 0,
          failed: 0,
          cancelled: 0,
        };
        byName.set(job.name, row);
      }
      row[state] += 1;
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

export async function queueWorkerJobActivity(
  adapter: StorageAdapter,
  request: { since: Date; bucketMs: number },
): Promise<{ at: Date; completed: number; failed: number }[]> {
  const buckets = new Map<number, { at: Date; completed: number; failed: number }>();
  for (const state of ["completed", "failed"] as const) {
    for (const job of await queueWorkerListJobs(adapter, { state, limit: 10_000 })) {
      const at = job.completedAt?.getTime() ?? 0;
      if (at < request.since.getTime()) continue;
      const index = Math.floor((at - request.since.getTime()) / request.bucketMs);
      let bucket = buckets.get(index);
      if (bucket === undefined) {
        bucket = {
          at: new Date(request.since.getTime() + index * request.bucketMs),
          completed: 0,
          failed: 0,
        };
        buckets.set(index, bucket);
      }
      bucket[state] += 1;
    }
  }
  return [...buckets.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
}

const unsupported = () =>
  Promise.reject(new DocketError("invalid_argument", "operator actions are not available yet"));

export const queueWorkerRetryJob = (_adapter: StorageAdapter, _id: number) =>
  unsupported() as Promise<JobActionResult>;
export const queueWorkerCancelJob = (_adapter: StorageAdapter, _id: number) =>
  unsupported() as Promise<JobActionResult>;
export const queueWorkerDeleteJob = (_adapter: StorageAdapter, _id: number) =>
  unsupported() as Promise<JobActionResult>;
export const queueWorkerRetryFailedJobs = (_adapter: StorageAdapter, _options: { name?: string }) =>
  unsupported() as Promise<number>;
