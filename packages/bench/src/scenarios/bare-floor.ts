import { DocketSystem } from "../systems/docket.ts";
import { enqueueAll, fromDrain, measureOn, type ScenarioContext } from "./context.ts";

/**
 * The floor: the same drain through a bare loop of the adapter's own `claim` (limit 10)
 * and `complete` — no worker, no timeouts — so worker drain ÷ bare drain is Docket's
 * worker overhead.
 */
export async function bareFloor(context: ScenarioContext): Promise<void> {
  const { drain: n, bareClaimLimit, batchSize } = context.counts;
  for (const system of context.systems) {
    if (!(system instanceof DocketSystem)) continue;
    await measureOn(context, system, "bare-floor", `claim${bareClaimLimit}`, async () => {
      await enqueueAll(system, n, batchSize);
      return fromDrain(await system.bareDrain(n, bareClaimLimit));
    });
  }
}
