import { invalidArgument } from "./errors.ts";
import type { StorageAdapter } from "./storage-adapter.ts";

const REQUIRED_MEMBERS = [
  "migrate",
  "now",
  "enqueue",
  "claim",
  "heartbeat",
  "complete",
  "syncCron",
  "cleanup",
  "insights",
  "getJob",
  "listJobs",
  "retryJob",
  "retryFailedJobs",
  "cancelJob",
  "deleteJob",
  "countJobsByName",
  "jobActivity",
  "withTransaction",
  "transaction",
  "close",
] as const;

/** Throws a typed error unless `value` looks like a `StorageAdapter`. */
export function assertAdapter(value: unknown, field = "adapter"): asserts value is StorageAdapter {
  const ok =
    typeof value === "object" &&
    value !== null &&
    typeof (value as StorageAdapter).queueKey === "string" &&
    REQUIRED_MEMBERS.every(
      (member) => typeof (value as Record<string, unknown>)[member] === "function",
    );
  if (!ok) {
    throw invalidArgument(
      field,
      "a Docket storage adapter (createSqliteAdapter / createPostgresAdapter / createMysqlAdapter)",
      value,
    );
  }
}
