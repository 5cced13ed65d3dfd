import type { Counts } from "../config.ts";
import { benchJobs } from "../measure.ts";
import type { Measurement, Results, ScenarioId } from "../results.ts";
import { summarize } from "../stats.ts";
import type { BenchEnv, BenchSystem, DatabaseId, DrainResult } from "../system.ts";
import { DocketSystem } from "../systems/docket.ts";

export interface ScenarioContext {
  database: DatabaseId;
  systems: readonly BenchSystem[];
  counts: Counts;
  scale: number;
  env: BenchEnv;
  results: Results;
}

/** What a scenario body measured; `measureOn` adds the keys and the time. */
export type Measured = Pick<
  Measurement,
  | "jobs"
  | "of"
  | "budgetMs"
  | "elapsedMs"
  | "jobsPerSecond"
  | "latency"
  | "duplicates"
  | "loggedErrors"
>;

/**
 * Runs one measurement on one system in fresh storage: `setup`, `body`, `teardown`.
 * A failure is recorded (and printed) instead of aborting the run.
 */
export async function measureOn(
  context: ScenarioContext,
  system: BenchSystem,
  scenario: ScenarioId,
  variant: string,
  body: () => Promise<Measured>,
): Promise<void> {
  const key = { database: context.database, scenario, variant, system: system.id };
  const title = `[${context.database}] ${scenario}${variant === "" ? "" : ` ${variant}`} · ${system.label}`;
  const errorsBefore = system instanceof DocketSystem ? system.loggedErrors.length : 0;
  try {
    await system.setup(`${scenario}_${variant}`);
    const measured = await body();
    if (system instanceof DocketSystem && system.loggedErrors.length > errorsBefore) {
      measured.loggedErrors = [
        ...(measured.loggedErrors ?? []),
        ...system.loggedErrors.slice(errorsBefore),
      ];
    }
    const recorded = context.results.add({ ...key, ...measured });
    console.error(`${title}: ${describe(recorded)}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    context.results.add({ ...key, jobs: 0, error: message });
    console.error(
      `${title}: FAILED: ${error instanceof Error ? (error.stack ?? message) : message}`,
    );
  } finally {
    await system.teardown().catch((error: unknown) => {
      console.error(`${title}: teardown failed:`, error);
    });
  }
}

function describe(m: Measurement): string {
  const parts: string[] = [];
  if (m.jobsPerSecond !== undefined) {
    parts.push(`${Math.round(m.jobsPerSecond).toLocaleString("en-US")} jobs/s`);
    parts.push(
      `(${m.jobs.toLocaleString("en-US")} jobs, ${((m.elapsedMs ?? 0) / 1000).toFixed(2)} s)`,
    );
  }
  if (m.latency !== undefined) {
    const l = m.latency;
    parts.push(
      `p50 ${l.p50.toFixed(2)} ms, p95 ${l.p95.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms (${l.count} jobs)`,
    );
  }
  if ((m.duplicates ?? 0) > 0) parts.push(`${m.duplicates} DUPLICATE runs`);
  if ((m.loggedErrors?.length ?? 0) > 0)
    parts.push(`${m.loggedErrors?.length} worker errors logged`);
  return parts.join(" ");
}

/** Untimed: adds `count` jobs (seq 0..count-1) in batch calls. */
export async function enqueueAll(
  system: BenchSystem,
  count: number,
  batchSize: number,
): Promise<void> {
  for (let first = 0; first < count; first += batchSize) {
    await system.enqueueBatch(benchJobs(Math.min(batchSize, count - first), first));
  }
}

export function fromDrain(result: DrainResult, budgetMs: number): Measured {
  return {
    jobs: result.jobs,
    ...(result.jobs < result.of ? { of: result.of, budgetMs } : {}),
    elapsedMs: result.elapsedMs,
    jobsPerSecond: result.jobsPerSecond,
    duplicates: result.duplicates,
  };
}

export function fromLatency(samples: readonly number[]): Measured {
  return { jobs: samples.length, latency: summarize(samples) };
}
