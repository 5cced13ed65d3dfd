/** The cron definitions the Compas queue recommended; names kept so existing setups work. */
export const BUILTIN_CRON_JOBS = Object.freeze([
  Object.freeze({ name: "compas.queue.cleanup", cronExpression: "0 1 * * *" }),
  Object.freeze({ name: "compas.queue.insights", cronExpression: "0 * * * *" }),
  // Register `jobFileCleanup(storage, bucketName)` under this name (docs/files.md).
  Object.freeze({ name: "compas.file.cleanup", cronExpression: "0 2 * * *" }),
  Object.freeze({ name: "compas.sessionStore.cleanup", cronExpression: "0 2 * * *" }),
]);
