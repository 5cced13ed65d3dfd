import type { DatabaseId } from "./system.ts";

/** Job counts of one run; `--scale` multiplies all of them. */
export interface Counts {
  /** Sequential enqueue: single-job calls (smaller than the drains: one round trip each). */
  sequentialEnqueue: number;
  batchEnqueue: number;
  /** Jobs per batch call (not scaled, only capped by `batchEnqueue`). */
  batchSize: number;
  drain: number;
  /** Worker concurrencies of the drain scenario. */
  drainConcurrencies: readonly number[];
  processes: number;
  processConcurrency: number;
  latency: number;
  deepDue: number;
  deepConcurrency: number;
  /** SQLite's deep table: future-scheduled rows only. */
  sqliteDeepFuture: number;
  /** Postgres/MySQL deep table: completed history + future-scheduled rows. */
  serverDeepHistory: number;
  serverDeepFuture: number;
  /** Claim limits of the bare claim/complete loop (matched to `drainConcurrencies`). */
  bareClaimLimits: readonly number[];
  /** A timed drain stops after this long and reports the rate over the jobs done (not scaled). */
  drainBudgetMs: number;
  /** The "realistic" drain (Postgres): jobs whose handlers await 5 ms of I/O. */
  realistic: number;
  realisticConcurrency: number;
}

export const BASE_COUNTS: Counts = {
  sequentialEnqueue: 5_000,
  batchEnqueue: 20_000,
  batchSize: 1_000,
  drain: 20_000,
  drainConcurrencies: [1, 10],
  processes: 4,
  processConcurrency: 10,
  latency: 300,
  deepDue: 5_000,
  deepConcurrency: 10,
  sqliteDeepFuture: 200_000,
  serverDeepHistory: 200_000,
  serverDeepFuture: 100_000,
  bareClaimLimits: [1, 10],
  drainBudgetMs: 40_000,
  realistic: 20_000,
  realisticConcurrency: 50,
};

/**
 * The scale of a run without `--scale`: 5,000-job drains, so a full default run (three
 * databases, every scenario) takes well under 10 minutes on the shared 2-core machine
 * (slow drains stop at the time budget). Smaller drains are too short to compare: a
 * 1,000-job drain with a prefetch buffer of 100 is ten claims. `--scale 1` is the full job
 * counts (20,000-job drains and the 20,000-job realistic row).
 */
export const DEFAULT_SCALE = 0.25;

/**
 * Every job count times `scale`, rounded, at least 1; latency at least 100 jobs (a p50 of
 * fewer samples is noise, and the scenario is cheap).
 */
export function scaleCounts(base: Counts, scale: number): Counts {
  const s = (n: number, min = 1) => Math.max(min, Math.round(n * scale));
  const batchEnqueue = s(base.batchEnqueue);
  return {
    ...base,
    sequentialEnqueue: s(base.sequentialEnqueue),
    batchEnqueue,
    batchSize: Math.min(base.batchSize, batchEnqueue),
    drain: s(base.drain),
    realistic: s(base.realistic),
    latency: s(base.latency, 100),
    deepDue: s(base.deepDue),
    sqliteDeepFuture: s(base.sqliteDeepFuture),
    serverDeepHistory: s(base.serverDeepHistory),
    serverDeepFuture: s(base.serverDeepFuture),
  };
}

/** A system's cap on a count, scaled like the count itself. */
export function capped(count: number, cap: number | undefined, scale: number): number {
  return cap === undefined
    ? count
    : Math.min(count, Math.max(10, Math.round(cap * Math.min(scale, 1))));
}

export interface CliOptions {
  only: DatabaseId[];
  scale: number;
  jsonPath: string | null;
  /** Docket workers' `prefetchCount` (0: the default, claim only for free slots). */
  prefetch: number;
  /** Run only the dashboard scenario (Postgres, 1,000,000 jobs × scale). */
  dashboard: boolean;
}

const ALL_DATABASES: readonly DatabaseId[] = ["sqlite", "postgres", "mysql"];

export const USAGE = `usage: pnpm bench [--only sqlite,postgres,mysql] [--scale 0.1] [--json out.json] [--prefetch 500]
       pnpm bench --sessions [--only …] [--scale …]   (the session store scenario only)
       pnpm bench --dashboard [--scale 0.1]

  --only    databases to run (default: all; unreachable ones are skipped with a notice)
  --scale   multiplies every job count (default 0.25, < 10 min; 1 = the full counts;
            0.05 is a quick smoke run)
  --json    also write the raw measurements to this file
  --prefetch  Docket workers' prefetchCount (default 0); the bare loop then claims
            concurrency + prefetch jobs per call, like the worker
  --dashboard  only the dashboard scenario: overview and list pages over 1,000,000 jobs
            (× scale) on Postgres, server time and EXPLAIN plans`;

export function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = {
    only: [...ALL_DATABASES],
    scale: DEFAULT_SCALE,
    jsonPath: null,
    prefetch: 0,
    dashboard: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value\n\n${USAGE}`);
      return next;
    };
    switch (flag) {
      case "--only": {
        const names = value()
          .split(",")
          .map((name) => name.trim().toLowerCase())
          .filter((name) => name.length > 0);
        const unknown = names.filter((name) => !ALL_DATABASES.includes(name as DatabaseId));
        if (unknown.length > 0 || names.length === 0) {
          throw new Error(
            `--only takes sqlite, postgres, mysql; got ${unknown.join(", ") || "nothing"}`,
          );
        }
        options.only = ALL_DATABASES.filter((name) => names.includes(name));
        break;
      }
      case "--scale": {
        const scale = Number(value());
        if (!Number.isFinite(scale) || scale <= 0 || scale > 10) {
          throw new Error("--scale takes a number in (0, 10]");
        }
        options.scale = scale;
        break;
      }
      case "--json":
        options.jsonPath = value();
        break;
      case "--prefetch": {
        const prefetch = Number(value());
        if (!Number.isSafeInteger(prefetch) || prefetch < 0 || prefetch > 10_000) {
          throw new Error("--prefetch takes an integer from 0 to 10000");
        }
        options.prefetch = prefetch;
        break;
      }
      case "--dashboard":
        options.dashboard = true;
        break;
      case "--help":
      case "-h":
        console.log(USAGE);
        process.exit(0);
        break;
      case "--":
        break;
      default:
        throw new Error(`unknown argument ${arg}\n\n${USAGE}`);
    }
  }
  return options;
}
