/**
 * The worker on two Postgres adapters, alternated drain by drain in one process (issue 13,
 * round 6): this checkout's adapter and a baseline copy (`--baseline <path to another
 * adapter-postgres/src/index.ts>`), each drain on a fresh analyzed table of its own, with
 * the same worker (this checkout's core). Prints Node CPU µs per job (`process.cpuUsage`,
 * all threads) and wall µs per job per drain, their medians, and current ÷ baseline per
 * round (both drains of a round ran in the same minute, so the ratio is what to read on a
 * loaded machine).
 *
 *   pnpm --filter @docket/bench exec tsx src/cost/pg-worker-ab.ts --baseline <path> \
 *     [--jobs 10000] [--concurrency 10] [--prefetch 100] [--rounds 6] [--delete]
 *
 * Not part of `pnpm bench`; figures go to `results/round6-pg-throughput.md`.
 */
import { pathToFileURL } from "node:url";
import * as current from "@docket/adapter-postgres";
import type { StorageAdapter } from "@docket/core";
import { countingWorker, enqueueNumberedJobs, timeDrain } from "./cost-drain.ts";
import { collectGarbage, flag, hasFlag, median, postgresUrl } from "./pg-ab-setup.ts";

type AdapterModule = typeof current;

const baselinePath = flag("baseline", "");
const jobs = Number(flag("jobs", "10000"));
const concurrency = Number(flag("concurrency", "10"));
const prefetch = Number(flag("prefetch", "100"));
const rounds = Number(flag("rounds", "6"));
/** The worker deletes finished jobs (`deleteJobOnCompletion: true`). */
const remove = hasFlag("delete");
const url = postgresUrl;

const raw = (adapter: StorageAdapter, text: string) =>
  (adapter.db as { query(text: string): Promise<unknown> }).query(text);

async function drain(module: AdapterModule, tableName: string) {
  const adapter = module.createPostgresAdapter({ connectionString: url, tableName });
  await adapter.migrate();
  try {
    await enqueueNumberedJobs(adapter, "ab", jobs);
    await raw(adapter, `ANALYZE "${tableName}"`);
    const { worker, allRan: done } = countingWorker(adapter, {
      name: "ab",
      jobs,
      parallelCount: concurrency,
      prefetchCount: prefetch,
      deleteJobOnCompletion: remove,
    });
    collectGarbage();
    const { cpuUs, wallMs } = await timeDrain(worker, done);
    await worker.stop();
    return { cpu: cpuUs / jobs, wall: (wallMs * 1000) / jobs };
  } finally {
    const suffixes = ["", "_migrations", "_file", "_session_token", "_session"];
    await raw(adapter, `DROP TABLE ${suffixes.map((s) => `"${tableName}${s}"`).join(", ")}`);
    await adapter.close();
  }
}

const spread = (values: readonly number[], digits = 1) =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;

async function main(): Promise<void> {
  if (baselinePath === "") throw new Error("--baseline <path to adapter-postgres/src/index.ts>");
  const baseline = (await import(pathToFileURL(baselinePath).href)) as AdapterModule;
  const sides = { baseline: baseline, current } as const;
  const cost = {
    baseline: [] as { cpu: number; wall: number }[],
    current: [] as { cpu: number; wall: number }[],
  };
  // Round 0 warms both up (JIT, plans) and is not counted.
  for (let round = 0; round <= rounds; round += 1) {
    const order =
      round % 2 === 0 ? (["baseline", "current"] as const) : (["current", "baseline"] as const);
    for (const side of order) {
      const measured = await drain(sides[side], `docket_ab_${process.pid}_${round}_${side}`);
      if (round > 0) cost[side].push(measured);
      console.error(
        `round ${round} ${side}: CPU ${measured.cpu.toFixed(1)} µs/job, wall ${measured.wall.toFixed(1)} µs/job`,
      );
    }
  }
  const ratio = (key: "cpu" | "wall") =>
    cost.current.map((c, i) => c[key] / cost.baseline[i]![key]);
  console.log(
    `pg-worker-ab: ${jobs} jobs, c${concurrency}, prefetch ${prefetch}${remove ? ", deleteJobOnCompletion" : ""}, ${rounds} rounds; median (min–max)`,
  );
  console.log("| adapter | CPU µs/job | wall µs/job |");
  console.log("|:--|--:|--:|");
  for (const side of ["baseline", "current"] as const) {
    console.log(
      `| ${side} | ${spread(cost[side].map((c) => c.cpu))} | ${spread(cost[side].map((c) => c.wall))} |`,
    );
  }
  console.log(
    `| current ÷ baseline, per round | ${spread(ratio("cpu"), 2)} | ${spread(ratio("wall"), 2)} |`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
