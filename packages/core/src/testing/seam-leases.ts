import { expect } from "vitest";
import type { ClaimRequest, StorageAdapter } from "../storage-adapter.ts";
import { waitFor } from "./helpers.ts";
import { claimRequest } from "./seam-fixtures.ts";

/**
 * Expired leases made through the seam, for suites that need a job whose worker died:
 * a claim with a lease short enough to run out at once, then a wait on the adapter's own
 * clock (the harnesses have no clock a test could move).
 */

/** A lease short enough to expire at once, long enough to be a real lease. */
export const SHORT_LEASE_MS = 50;

/** Waits until job `id`'s lease has run out by the adapter's own clock. */
export async function leaseExpired(adapter: StorageAdapter, id: number): Promise<void> {
  await waitFor(
    async () => {
      const job = await adapter.getJob(id);
      const now = await adapter.now();
      return job?.lockedUntil !== null && job!.lockedUntil.getTime() <= now.getTime();
    },
    { what: `the lease of job ${id} to expire` },
  );
}

/**
 * A worker that claims job `id` and dies: the claim leases it briefly and nothing is ever
 * recorded for it. Returns once the lease has expired.
 */
export async function claimAndDie(
  adapter: StorageAdapter,
  id: number,
  overrides: Partial<ClaimRequest>,
): Promise<void> {
  const { jobs } = await adapter.claim(claimRequest({ leaseMs: SHORT_LEASE_MS, ...overrides }));
  expect(jobs.map((job) => job.id)).toEqual([id]);
  await leaseExpired(adapter, id);
}
