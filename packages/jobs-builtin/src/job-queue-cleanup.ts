import {
  type DocketEvent,
  eventStart,
  eventStop,
  type HandlerContext,
  type JobHandler,
  type JobRecord,
} from "@docket/core";
import { invalidArgument } from "@docket/core/adapter";
import { adapterFromHandlerArgs } from "./adapter-from-handler.ts";

export interface JobQueueCleanupOptions {
  /** Finished jobs older than this many days are deleted. Default 5. */
  queueHistoryInDays?: number;
  /** Rows deleted per statement, so a large backlog never holds one long lock. Default 1000. */
  batchSize?: number;
}

const DAY_MS = 86_400_000;

/**
 * A handler that deletes finished jobs (succeeded or gave up) that finished more than
 * `queueHistoryInDays` days ago, in batches. Pending, scheduled and running jobs are never
 * touched. Logs and returns `{ removedCount }`. Register it as `compas.queue.cleanup` at
 * `0 1 * * *`.
 */
export function jobQueueCleanup(options: JobQueueCleanupOptions = {}): JobHandler {
  const queueHistoryInDays = options.queueHistoryInDays ?? 5;
  if (
    typeof queueHistoryInDays !== "number" ||
    !Number.isFinite(queueHistoryInDays) ||
    queueHistoryInDays < 0
  ) {
    throw invalidArgument("queueHistoryInDays", "a non-negative number", queueHistoryInDays);
  }
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw invalidArgument("batchSize", "a positive integer", batchSize);
  }
  return async (event: DocketEvent, db: unknown, _job: JobRecord, context: HandlerContext) => {
    eventStart(event, "jobQueueCleanup");
    const adapter = adapterFromHandlerArgs(db, context);
    const now = await adapter.now();
    const completedBefore = new Date(now.getTime() - queueHistoryInDays * DAY_MS);
    let removedCount = 0;
    for (;;) {
      const removed = await adapter.cleanup({ completedBefore, limit: batchSize });
      removedCount += removed;
      if (removed < batchSize || event.signal?.aborted) break;
    }
    event.log.info({
      type: "docket.queue_cleanup",
      removedCount,
      completedBefore: completedBefore.toISOString(),
    });
    eventStop(event);
    return { removedCount };
  };
}
