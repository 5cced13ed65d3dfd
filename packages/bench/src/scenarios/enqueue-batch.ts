import { benchJobs } from "../measure.ts";
import { jobsPerSecond } from "../stats.ts";
import { measureOn, type ScenarioContext } from "./context.ts";

/** N jobs through the batch API, `batchSize` (1,000) per call. */
export async function enqueueBatch(context: ScenarioContext): Promise<void> {
  const { batchEnqueue: n, batchSize } = context.counts;
  for (const system of context.systems) {
    await measureOn(context, system, "enqueue-batch", "", async () => {
      await system.enqueueBatch(benchJobs(10, n)); // warm-up, untimed
      const batches: ReturnType<typeof benchJobs>[] = [];
      for (let first = 0; first < n; first += batchSize) {
        batches.push(benchJobs(Math.min(batchSize, n - first), first));
      }
      const startedAt = performance.now();
      for (const batch of batches) await system.enqueueBatch(batch);
      const elapsedMs = performance.now() - startedAt;
      return { jobs: n, elapsedMs, jobsPerSecond: jobsPerSecond(n, elapsedMs) };
    });
  }
}
