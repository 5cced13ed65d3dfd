export type { JobFileCleanupOptions } from "./job-file-cleanup.ts";
export { jobFileCleanup } from "./job-file-cleanup.ts";
export type { ImageJobOptions } from "./job-file-images.ts";
export { jobFileGeneratePlaceholderImage, jobFileTransformImage } from "./job-file-images.ts";
export type { JobQueueCleanupOptions } from "./job-queue-cleanup.ts";
export { jobQueueCleanup } from "./job-queue-cleanup.ts";
export type { QueueInsights } from "./job-queue-insights.ts";
export { jobQueueInsights } from "./job-queue-insights.ts";
export type { JobSessionStoreCleanupOptions } from "./job-session-store-cleanup.ts";
export { jobSessionStoreCleanup } from "./job-session-store-cleanup.ts";
export type { JobSessionStoreProcessLeakedSessionOptions } from "./job-session-store-leaked-session.ts";
export { jobSessionStoreProcessLeakedSession } from "./job-session-store-leaked-session.ts";

/** The cron definitions the Compas queue recommended; names kept so existing setups work. */
export const BUILTIN_CRON_JOBS = Object.freeze([
  Object.freeze({ name: "compas.queue.cleanup", cronExpression: "0 1 * * *" }),
  Object.freeze({ name: "compas.queue.insights", cronExpression: "0 * * * *" }),
  // Register `jobFileCleanup(storage, bucketName)` under this name (docs/files.md).
  Object.freeze({ name: "compas.file.cleanup", cronExpression: "0 2 * * *" }),
  Object.freeze({ name: "compas.sessionStore.cleanup", cronExpression: "0 2 * * *" }),
]);
