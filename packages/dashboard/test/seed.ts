import {
  type JobState,
  queueWorkerAddJob,
  queueWorkerCancelJob,
  queueWorkerRegisterCronJobs,
  type StorageAdapter,
} from "@docket/core";
import { claimRequest, outcome } from "@docket/core/testing";

export const HOSTILE_NAME = "<script>alert(1)</script>";
export const HOSTILE_DATA = { html: "<img src=x onerror=alert(2)>", quote: "\"'&" };
export const HOSTILE_ERROR = "Error: <b>boom</b> <script>alert(3)</script>";

export interface SeededJobs {
  pending: number;
  scheduled: number;
  running: number;
  completed: number;
  failed: number;
  hostile: number;
  cancelled: number;
}

/**
 * Jobs in every state through the public API and the seam, as a worker would leave them:
 * `email.send` pending, scheduled, completed and cancelled; `report.build` running (a one-hour lease)
 * and failed; a failed job with a hostile name, data and error; and a cron job.
 */
export async function seedJobs(adapter: StorageAdapter): Promise<SeededJobs> {
  // Finished ones first: `finish` claims by name and must find only its own job.
  const completed = await finish(adapter, "email.send", "succeeded");
  const failed = await finish(adapter, "report.build", "failed", "Error: the report broke");
  const hostile = await finish(adapter, HOSTILE_NAME, "failed", HOSTILE_ERROR, HOSTILE_DATA);
  const pending = await queueWorkerAddJob(adapter, { name: "email.send", data: { to: "a@b.c" } });
  const scheduled = await queueWorkerAddJob(adapter, {
    name: "email.send",
    scheduledAt: new Date(Date.now() + 3_600_000),
  });
  const cancelled = await queueWorkerAddJob(adapter, { name: "email.send", data: { to: "x@y.z" } });
  const cancel = await queueWorkerCancelJob(adapter, cancelled);
  if (!cancel.ok) throw new Error(`seed: could not cancel job ${cancelled}`);
  const running = await queueWorkerAddJob(adapter, { name: "report.build", data: { n: 1 } });
  await adapter.claim(claimRequest({ names: ["report.build"], limit: 1, leaseMs: 3_600_000 }));
  await queueWorkerRegisterCronJobs(adapter, {
    jobs: [{ name: "nightly.cleanup", cronExpression: "0 1 * * *" }],
  });
  return { pending, scheduled, running, completed, failed, hostile, cancelled };
}

/** Adds a job, claims it and records `kind` for it; returns its id. */
export async function finish(
  adapter: StorageAdapter,
  name: string,
  kind: "succeeded" | "failed",
  error: string | null = null,
  data: Record<string, string> = {},
): Promise<number> {
  const id = await queueWorkerAddJob(adapter, { name, data });
  const claim = claimRequest({ names: [name], limit: 1 });
  const claimed = await adapter.claim(claim);
  if (claimed.jobs[0]?.id !== id) throw new Error(`seed: expected to claim job ${id}`);
  await adapter.complete([outcome(id, claim.leaseToken, { kind, error })]);
  return id;
}

export const SEEDED_STATE_COUNTS: Partial<Record<JobState, number>> = {
  pending: 1,
  scheduled: 2, // email.send + the cron row (next run at 01:00 UTC, in the future)
  running: 1,
  completed: 1,
  failed: 2,
  cancelled: 1,
};
