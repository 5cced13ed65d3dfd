import { capped } from "../config.ts";
import { enqueueAll, fromDrain, measureOn, type ScenarioContext } from "./context.ts";

/**
 * Drain of N no-op jobs enqueued beforehand (untimed), at each concurrency: clock from
 * worker start to the last handler start.
 */
export async function drain(context: ScenarioContext, concurrency: number): Promise<void> {
  for (const system of context.systems) {
    const n =
      concurrency === 1
        ? capped(context.counts.drain, system.caps.drainConcurrency1, context.scale)
        : context.counts.drain;
    await measureOn(context, system, "drain", `c${concurrency}`, async () => {
      await enqueueAll(system, n, context.counts.batchSize);
      return fromDrain(await system.drain(n, concurrency));
    });
  }
}
