import { benchJobs } from "../measure.ts";
import { jobsPerSecond } from "../stats.ts";
import { measureOn, type ScenarioContext } from "./context.ts";

/** Warm-up calls before the clock starts (connections, prepared statements). */
const WARM_UP = 20;

/** N single-job enqueue calls, one after another. */
export async function enqueueSequential(context: ScenarioContext): Promise<void> {
  const n = context.counts.sequentialEnqueue;
  for (const system of context.systems) {
    await measureOn(context, system, "enqueue-sequential", "", async () => {
      for (const job of benchJobs(WARM_UP, n)) await system.enqueueOne(job);
      const jobs = benchJobs(n);
      const startedAt = performance.now();
      for (const job of jobs) await system.enqueueOne(job);
      const elapsedMs = performance.now() - startedAt;
      return { jobs: n, elapsedMs, jobsPerSecond: jobsPerSecond(n, elapsedMs) };
    });
  }
}
