import type { LatencySummary } from "./stats.ts";
import type { DatabaseId, SystemId } from "./system.ts";

export type ScenarioId =
  | "enqueue-sequential"
  | "enqueue-batch"
  | "drain"
  | "drain-processes"
  | "latency"
  | "deep-drain"
  | "bare-floor";

/** One measured figure (or the error that prevented it). */
export interface Measurement {
  database: DatabaseId;
  scenario: ScenarioId;
  /** `c1`, `c10`, `c10-cold`, `4x10`, `same-process`, `other-process`, `empty`, `deep`, `claim10`, … or `""`. */
  variant: string;
  system: SystemId;
  jobs: number;
  /** Drains: the jobs it was given, when the time budget ran out before `jobs` reached it. */
  of?: number;
  /** Drains: the time budget. */
  budgetMs?: number;
  elapsedMs?: number;
  jobsPerSecond?: number;
  latency?: LatencySummary;
  /** Handler calls for a job that had already run. */
  duplicates?: number;
  /** Entries the Docket worker logged through `logger.error`. */
  loggedErrors?: string[];
  error?: string;
  /** ISO time the measurement finished (to relate it to machine load). */
  at: string;
}

export class Results {
  readonly measurements: Measurement[] = [];

  add(measurement: Omit<Measurement, "at">): Measurement {
    const full = { ...measurement, at: new Date().toISOString() };
    this.measurements.push(full);
    return full;
  }

  find(
    database: DatabaseId,
    scenario: ScenarioId,
    variant: string,
    system: SystemId,
  ): Measurement | undefined {
    return this.measurements.find(
      (m) =>
        m.database === database &&
        m.scenario === scenario &&
        m.variant === variant &&
        m.system === system,
    );
  }

  /** Jobs/s of a successful measurement, else undefined. */
  rate(
    database: DatabaseId,
    scenario: ScenarioId,
    variant: string,
    system: SystemId,
  ): number | undefined {
    const m = this.find(database, scenario, variant, system);
    return m?.error === undefined ? m?.jobsPerSecond : undefined;
  }

  p50(database: DatabaseId, variant: string, system: SystemId): number | undefined {
    const m = this.find(database, "latency", variant, system);
    return m?.error === undefined ? m?.latency?.p50 : undefined;
  }
}
