import { measureDrain, measureLatency } from "../measure.ts";
import type {
  BenchJob,
  BenchSystem,
  DatabaseId,
  DrainResult,
  RunningWorker,
  SystemId,
  WorkerOptions,
  WorkerPurpose,
} from "../system.ts";

/**
 * `drain` and `latency` for every system, built on its `startWorker` and `enqueueOne`,
 * so all systems are clocked by the same code.
 */
export abstract class SystemBase implements BenchSystem {
  abstract readonly id: SystemId;
  abstract readonly label: string;
  abstract readonly database: DatabaseId;
  abstract readonly settings: readonly string[];
  readonly caps: BenchSystem["caps"] = {};

  abstract setup(scenario: string): Promise<void>;
  abstract teardown(): Promise<void>;
  abstract enqueueOne(job: BenchJob): Promise<void>;
  abstract enqueueBatch(jobs: readonly BenchJob[]): Promise<void>;
  abstract startWorker(options: WorkerOptions): Promise<RunningWorker>;

  drain(
    n: number,
    concurrency: number,
    budgetMs: number,
    purpose: WorkerPurpose = "drain",
  ): Promise<DrainResult> {
    return measureDrain((onJob) => this.startWorker({ concurrency, purpose, onJob }), n, budgetMs);
  }

  latency(count: number): Promise<number[]> {
    return measureLatency(
      (onJob) => this.startWorker({ concurrency: 1, purpose: "latency", onJob }),
      (job) => this.enqueueOne(job),
      count,
    );
  }
}

/** Table and file names derived from a scenario name: lower-case, `[a-z0-9_]`, ≤ 40 chars. */
export function storageName(prefix: string, scenario: string): string {
  return `${prefix}_${scenario}`
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .slice(0, 40);
}

/** One day ahead: "future-scheduled" rows in the deep-table scenario. */
export const FUTURE_DELAY_MS = 24 * 60 * 60 * 1000;
