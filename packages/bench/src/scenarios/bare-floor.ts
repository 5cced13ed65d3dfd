import { DocketSystem } from "../systems/docket.ts";
import { enqueueAll, fromDrain, measureOn, type ScenarioContext } from "./context.ts";

/**
 * The floor: the same drain through a bare loop of the adapter's own `claim` (limit 1 and
 * limit 10, matching worker concurrency 1 and 10) and `complete` — no worker, no timeouts —
 * so worker drain ÷ bare drain is Docket's worker overhead. Table analyzed first, as in
 * `drain`.
 */
export async function bareFloor(context: ScenarioContext): Promise<void> {
  const { drain: n, bareClaimLimits, batchSize, drainBudgetMs } = context.counts;
  for (const system of context.systems) {
    if (!(system instanceof DocketSystem)) continue;
    for (const limit of bareClaimLimits) {
      await measureOn(context, system, "bare-floor", `claim${limit}`, async () => {
        await enqueueAll(system, n, batchSize);
        await system.analyze();
        return fromDrain(await system.bareDrain(n, limit, drainBudgetMs), drainBudgetMs);
      });
    }
  }
}
