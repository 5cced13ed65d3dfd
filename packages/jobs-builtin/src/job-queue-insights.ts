import {
  type DocketEvent,
  eventStart,
  eventStop,
  type HandlerContext,
  type JobHandler,
  type JobRecord,
} from "@docket/core";
import { adapterFromHandlerArgs } from "./adapter-from-handler.ts";

export interface QueueInsights {
  /** Incomplete jobs that are due (running ones included, as in the Compas queue). */
  pendingCount: number;
  /** Incomplete jobs scheduled in the future. */
  scheduledCount: number;
  /** Jobs leased by a live worker right now. */
  runningCount: number;
  /** Jobs that gave up after their last attempt. */
  failedCount: number;
}

/**
 * A handler that counts the queue — `pendingCount` (due), `scheduledCount` (future),
 * plus Docket's `runningCount` and `failedCount` — logs the counts and returns them.
 * Jobs no worker handles stay pending and show up here. Register it as
 * `compas.queue.insights` at `0 * * * *`.
 */
export function jobQueueInsights(): JobHandler {
  return async (
    event: DocketEvent,
    db: unknown,
    _job: JobRecord,
    context: HandlerContext,
  ): Promise<QueueInsights> => {
    eventStart(event, "jobQueueInsights");
    const adapter = adapterFromHandlerArgs(db, context);
    const counts = await adapter.insights();
    const insights: QueueInsights = {
      pendingCount: Number(counts.pendingCount),
      scheduledCount: Number(counts.scheduledCount),
      runningCount: Number(counts.runningCount),
      failedCount: Number(counts.failedCount),
    };
    event.log.info({ type: "docket.queue_insights", ...insights });
    eventStop(event);
    return insights;
  };
}
