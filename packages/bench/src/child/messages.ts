import type { BenchEnv, DatabaseId, SystemId, WorkerPurpose } from "../system.ts";

/** Parent → child. */
export type ToChild =
  | {
      type: "init";
      system: SystemId;
      database: DatabaseId;
      env: BenchEnv;
      state: unknown;
      concurrency: number;
      purpose: WorkerPurpose;
    }
  | { type: "start" }
  | { type: "stop" };

/** Child → parent. `jobs` batches drain progress; `job` reports one latency job at once. */
export type FromChild =
  | { type: "ready" }
  | { type: "started" }
  | { type: "jobs"; seqs: number[] }
  | { type: "job"; seq: number; startedAt: bigint }
  | { type: "stopped"; loggedErrors: string[] }
  | { type: "failed"; message: string };
