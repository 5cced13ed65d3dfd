/**
 * The one interface every benchmarked queue implements. Scenarios only talk to this, so
 * each system is measured by the same code: the timing, the counting of handled jobs and
 * the latency clock live in `measure.ts`, not in the systems.
 */

export type DatabaseId = "sqlite" | "postgres" | "mysql";
export type SystemId = "docket" | "plainjob" | "graphile-worker" | "pg-boss";

/** The payload of every benchmark job: its index in the scenario (0..n-1). */
export interface BenchJob {
  seq: number;
}

/**
 * Called by a system's handler as the first thing it does, with the job's payload and
 * `process.hrtime.bigint()` taken at that moment (CLOCK_MONOTONIC on Linux: comparable
 * across processes on one machine).
 */
export type OnJob = (job: BenchJob, startedAt: bigint) => void;

/** `drain`: the system's fastest documented throughput settings; `latency`: its low-latency ones. */
/**
 * `drain-delete`: drain with Docket's `deleteJobOnCompletion: true` (graphile-worker keeps
 * no history either: like for like); `realistic`: drain settings, and every handler awaits
 * `REALISTIC_IO_MS` of I/O (a timer) after reporting its start.
 */
export type WorkerPurpose = "drain" | "drain-delete" | "realistic" | "latency";

/** The awaited "I/O" of a realistic handler. */
export const REALISTIC_IO_MS = 5;

export interface WorkerOptions {
  concurrency: number;
  purpose: WorkerPurpose;
  onJob: OnJob;
}

export interface RunningWorker {
  /** Stops the worker and waits for it to settle (not timed). */
  stop(): Promise<void>;
}

/** Where the databases are and where SQLite files go; passed to child processes too. */
export interface BenchEnv {
  postgresUrl: string;
  mysqlUrl: string;
  sqliteDir: string;
  /** Docket workers' `prefetchCount`. */
  docketPrefetch: number;
}

export interface DrainResult {
  /** Jobs handled within the time: `of` unless the time budget ran out first. */
  jobs: number;
  /** Jobs the drain was given. */
  of: number;
  elapsedMs: number;
  jobsPerSecond: number;
  /** Handler calls for a job that had already run (should be 0). */
  duplicates: number;
}

export interface BenchSystem {
  readonly id: SystemId;
  /** Column header, e.g. `graphile-worker 0.17.3`. */
  readonly label: string;
  readonly database: DatabaseId;
  /** The settings used, one line each, printed under the table. */
  readonly settings: readonly string[];
  /**
   * Job counts this system runs instead of the scenario's, where its design makes the full
   * count take minutes (polling peers). The table shows the count actually used.
   */
  readonly caps: { readonly drainConcurrency1?: number; readonly latency?: number };

  /** Creates empty storage for one scenario (fresh table, schema or file). */
  setup(scenario: string): Promise<void>;
  /** Removes what `setup` created and closes connections. */
  teardown(): Promise<void>;

  enqueueOne(job: BenchJob): Promise<void>;
  /** One call of the system's batch API. */
  enqueueBatch(jobs: readonly BenchJob[]): Promise<void>;

  /**
   * Time from worker start until `n` already-enqueued jobs have been handled, or until
   * `budgetMs` has passed (then the rate is over the jobs handled so far).
   */
  drain(
    n: number,
    concurrency: number,
    budgetMs: number,
    purpose?: WorkerPurpose,
  ): Promise<DrainResult>;
  /**
   * Enqueue-to-handler-start latency in ms for `count` jobs added one at a time to an idle
   * worker (each waits for the previous one to start, then a random 5–15 ms gap).
   */
  latency(count: number): Promise<number[]>;

  /** Starts a worker on the queue `setup` (or `attach`) opened. The primitive under `drain`/`latency`. */
  startWorker(options: WorkerOptions): Promise<RunningWorker>;

  /**
   * Untimed: adds `history` finished jobs and `future` jobs scheduled a day ahead, as fast
   * as the system allows. Absent when the system cannot hold finished history.
   */
  fillDeep?(history: number, future: number): Promise<void>;
  /** Untimed: refreshes planner statistics (and vacuums) before the deep/empty drains. */
  analyze?(): Promise<void>;
  /** What a child process needs to `attach` to this queue; absent: no multi-process runs. */
  childState?(): unknown;
  /** In a child process: opens the queue another process set up (no migrations). */
  attach?(state: unknown): Promise<void>;
  /** In a child process: closes what `attach` opened, leaving the storage alone. */
  detach?(): Promise<void>;
}
