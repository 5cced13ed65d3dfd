import { capped } from "../config.ts";
import type { BenchSystem, WorkerPurpose } from "../system.ts";
import { enqueueAll, fromDrain, measureOn, type ScenarioContext } from "./context.ts";

export interface DrainOptions {
  /** Skip the ANALYZE before the clock: a table whose statistics were never gathered. */
  cold?: boolean;
  /** `drain-delete` (Docket `deleteJobOnCompletion`) or `realistic` (5 ms awaited I/O). */
  purpose?: WorkerPurpose;
  /** Jobs to drain (default: the drain count). */
  jobs?: number;
  /** Only these systems (default: all of the database's). */
  systems?: (system: BenchSystem) => boolean;
}

/** The variant name of a drain: `c10`, `c10-cold`, `c10-delete`, `realistic-c50`. */
export function drainVariant(concurrency: number, options: DrainOptions = {}): string {
  if (options.purpose === "realistic") return `realistic-c${concurrency}`;
  return `c${concurrency}${options.cold ? "-cold" : ""}${options.purpose === "drain-delete" ? "-delete" : ""}`;
}

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
  options: DrainOptions = {},
): Promise<void> {
  const budget = context.counts.drainBudgetMs;
  const purpose = options.purpose ?? "drain";
  for (const system of context.systems) {
    if (options.systems !== undefined && !options.systems(system)) continue;
    const total = options.jobs ?? context.counts.drain;
    const n =
      concurrency === 1 ? capped(total, system.caps.drainConcurrency1, context.scale) : total;
    const variant = drainVariant(concurrency, options);
    await measureOn(context, system, "drain", variant, async () => {
      await enqueueAll(system, n, context.counts.batchSize);
      if (!options.cold) await system.analyze?.();
      return fromDrain(await system.drain(n, concurrency, budget, purpose), budget);
    });
  }
}
