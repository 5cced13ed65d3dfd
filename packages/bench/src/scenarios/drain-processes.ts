import { drainWithProcesses } from "../child/pool.ts";
import { enqueueAll, measureOn, type ScenarioContext } from "./context.ts";

/** Drain of N jobs by several worker processes (`node --import tsx`) on the same table. */
export async function drainProcesses(context: ScenarioContext): Promise<void> {
  const { drain: n, processes, processConcurrency, batchSize } = context.counts;
  for (const system of context.systems) {
    if (system.childState === undefined) continue;
    await measureOn(
      context,
      system,
      "drain-processes",
      `${processes}x${processConcurrency}`,
      async () => {
        await enqueueAll(system, n, batchSize);
        const result = await drainWithProcesses(
          system,
          context.env,
          n,
          processes,
          processConcurrency,
        );
        return {
          jobs: result.jobs,
          elapsedMs: result.elapsedMs,
          jobsPerSecond: result.jobsPerSecond,
          duplicates: result.duplicates,
          loggedErrors: result.loggedErrors,
        };
      },
    );
  }
}
