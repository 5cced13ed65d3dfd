import { capped } from "../config.ts";
import { DocketSystem } from "../systems/docket.ts";
import { enqueueAll, type ScenarioContext } from "./context.ts";

/**
 * Untimed: every system drains once at each concurrency (and Docket runs its bare loops)
 * before any timed drain, so no timed row pays the process's JIT warm-up. Without it the
 * first drain of the process — the worker at concurrency 1 — cost 1.5–2× the CPU per job of
 * later ones, while the bare loop, timed third, ran warm: "worker ÷ bare loop" read 0.62–0.72×
 * where warm against warm reads ~0.9× (packages/bench/results/round5-worker2.md).
 */
export async function warmUp(context: ScenarioContext): Promise<void> {
  const {
    drain: total,
    drainConcurrencies,
    bareClaimLimits,
    batchSize,
    drainBudgetMs,
  } = context.counts;
  const started = performance.now();
  for (const system of context.systems) {
    for (const concurrency of drainConcurrencies) {
      const n =
        concurrency === 1 ? capped(total, system.caps.drainConcurrency1, context.scale) : total;
      await untimed(system, `warmup_c${concurrency}`, async () => {
        await enqueueAll(system, n, batchSize);
        await system.drain(n, concurrency, drainBudgetMs, "drain");
      });
    }
    if (!(system instanceof DocketSystem)) continue;
    for (const limit of bareClaimLimits) {
      await untimed(system, `warmup_bare${limit}`, async () => {
        await enqueueAll(system, total, batchSize);
        await system.bareDrain(total, limit, drainBudgetMs);
      });
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.error(`[${context.database}] warm-up (untimed): ${seconds} s`);
}

async function untimed(
  system: ScenarioContext["systems"][number],
  storage: string,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await system.setup(storage);
    await body();
  } finally {
    await system.teardown();
  }
}
