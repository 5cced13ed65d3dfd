import { capped } from "../config.ts";
import { enqueueAll, fromDrain, measureOn, type ScenarioContext } from "./context.ts";

/**
 * Drain of N no-op jobs enqueued beforehand (untimed), at one concurrency: clock from
 * worker start to the last handler start (or the time budget).
 *
 * Before the clock starts the table is analyzed (Postgres: VACUUM ANALYZE; MySQL: ANALYZE
 * TABLE; SQLite: nothing), as autovacuum / InnoDB's statistics leave a table in steady
 * state. `cold: true` skips that: the drain runs on a table whose planner statistics
 * were never gathered (a burst into a new or long-idle queue).
 */
export async function drain(
  context: ScenarioContext,
  concurrency: number,
  options: { cold?: boolean } = {},
): Promise<void> {
  const budget = context.counts.drainBudgetMs;
  for (const system of context.systems) {
    const n =
      concurrency === 1
        ? capped(context.counts.drain, system.caps.drainConcurrency1, context.scale)
        : context.counts.drain;
    const variant = `c${concurrency}${options.cold ? "-cold" : ""}`;
    await measureOn(context, system, "drain", variant, async () => {
      await enqueueAll(system, n, context.counts.batchSize);
      if (!options.cold) await system.analyze?.();
      return fromDrain(await system.drain(n, concurrency, budget), budget);
    });
  }
}
