import { drainWithProcesses } from "../child/pool.ts";
import { enqueueAll, fromDrain, measureOn, type ScenarioContext } from "./context.ts";

/**
 * Drain of N jobs by several worker processes (`node --import tsx`, one worker each) on
 * the same table; the table is analyzed first, as in `drain`.
 */
export async function drainProcesses(context: ScenarioContext): Promise<void> {
  const { drain: n, processes, processConcurrency, batchSize, drainBudgetMs } = context.counts;
  for (const system of context.systems) {
    if (system.childState === undefined) continue;
    const variant = `${processes}x${processConcurrency}`;
    await measureOn(context, system, "drain-processes", variant, async () => {
      await enqueueAll(system, n, batchSize);
      await system.analyze?.();
      const result = await drainWithProcesses(
        system,
        context.env,
        n,
        processes,
        processConcurrency,
        drainBudgetMs,
      );
      return { ...fromDrain(result, drainBudgetMs), loggedErrors: result.loggedErrors };
    });
  }
}
