import { drainWithProcesses } from "../child/pool.ts";
import type { BenchSystem, WorkerPurpose } from "../system.ts";
import { enqueueAll, fromDrain, measureOn, type ScenarioContext } from "./context.ts";

export interface ProcessDrainOptions {
  purpose?: WorkerPurpose;
  /** Worker concurrency per process (default: the configured process concurrency). */
  concurrency?: number;
  jobs?: number;
  systems?: (system: BenchSystem) => boolean;
}

/** `4x10`, `4x10-delete`, `realistic-4x50`. */
export function processVariant(
  processes: number,
  concurrency: number,
  purpose: WorkerPurpose = "drain",
): string {
  const base = `${processes}x${concurrency}`;
  if (purpose === "realistic") return `realistic-${base}`;
  return purpose === "drain-delete" ? `${base}-delete` : base;
}

/**
 * Drain of N jobs by several worker processes (`node --import tsx`, one worker each) on
 * the same table; the table is analyzed first, as in `drain`.
 */
export async function drainProcesses(
  context: ScenarioContext,
  options: ProcessDrainOptions = {},
): Promise<void> {
  const { processes, batchSize, drainBudgetMs } = context.counts;
  const n = options.jobs ?? context.counts.drain;
  const concurrency = options.concurrency ?? context.counts.processConcurrency;
  const purpose = options.purpose ?? "drain";
  for (const system of context.systems) {
    if (system.childState === undefined) continue;
    if (options.systems !== undefined && !options.systems(system)) continue;
    const variant = processVariant(processes, concurrency, purpose);
    await measureOn(context, system, "drain-processes", variant, async () => {
      await enqueueAll(system, n, batchSize);
      await system.analyze?.();
      const result = await drainWithProcesses(
        system,
        context.env,
        n,
        processes,
        concurrency,
        drainBudgetMs,
        purpose,
      );
      return { ...fromDrain(result, drainBudgetMs), loggedErrors: result.loggedErrors };
    });
  }
}
