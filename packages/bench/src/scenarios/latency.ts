import { latencyInOtherProcess } from "../child/pool.ts";
import { capped } from "../config.ts";
import { fromLatency, measureOn, type ScenarioContext } from "./context.ts";

/**
 * Enqueue → handler start while the worker is idle (default poll intervals), jobs added
 * one at a time, each after the previous one started plus 5–15 ms.
 * `same-process`: the worker runs in the enqueuing process (Docket wakes it in-process).
 * `other-process`: the worker runs in a child process, so the wake-up must come through
 * the database (LISTEN/NOTIFY on Postgres).
 */
export async function latency(
  context: ScenarioContext,
  where: "same-process" | "other-process",
): Promise<void> {
  for (const system of context.systems) {
    if (where === "other-process" && system.childState === undefined) continue;
    const count = capped(context.counts.latency, system.caps.latency, context.scale);
    await measureOn(context, system, "latency", where, async () =>
      fromLatency(
        where === "same-process"
          ? await system.latency(count)
          : await latencyInOtherProcess(system, context.env, count),
      ),
    );
  }
}
