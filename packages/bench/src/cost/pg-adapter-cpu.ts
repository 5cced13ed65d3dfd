/**
 * Node CPU per job of the Postgres adapter alone (issue 13, round 5): a bare loop that
 * claims `--limit` jobs and hands their successes to `complete` in the same turn as the
 * next claim (so they ride on it, as with a worker), for this checkout's adapter and a
 * baseline copy (`--baseline <path to adapter-postgres/src/index.ts>`), alternated drain
 * by drain on tables of their own. Prints CPU µs per job (`process.cpuUsage`) and wall
 * µs per job, median and spread over the drains.
 *
 *   pnpm --filter @docket/bench exec tsx src/cost/pg-adapter-cpu.ts \
 *     --baseline /path/to/old/adapter-postgres/src/index.ts [--limit 100] [--jobs 2000] [--rounds 6]
 *     [--delete]
 *
 * Not part of `pnpm bench`; figures go to `results/round5-pg.md`.
 */
import { pathToFileURL } from "node:url";
import * as current from "@docket/adapter-postgres";
import { queueWorkerAddJobs, type StorageAdapter } from "@docket/core";
import type { JobOutcome } from "@docket/core/adapter";
import { collectGarbage, flag, hasFlag, median, postgresUrl } from "./pg-ab-setup.ts";

type AdapterModule = typeof current;

const baselinePath = flag("baseline", "");
const limit = Number(flag("limit", "100"));
const jobs = Number(flag("jobs", "2000"));
const rounds = Number(flag("rounds", "6"));
/** Successes delete their rows (`deleteOnFinish`), as a worker with `deleteJobOnCompletion`. */
const remove = hasFlag("delete");
const url = postgresUrl;

/** Drains `jobs` jobs with claim(limit) + complete riding on the next claim. */
async function drain(
  adapter: StorageAdapter,
  tableName: string,
): Promise<{ cpu: number; wall: number }> {
  for (let i = 0; i < jobs; i += 1000) {
    await queueWorkerAddJobs(
      adapter,
      Array.from({ length: Math.min(1000, jobs - i) }, () => ({ name: "cpu", data: { a: 1 } })),
    );
  }
  await (adapter.db as { query(text: string): Promise<unknown> }).query(`ANALYZE "${tableName}"`);
  let seq = 0;
  let done: JobOutcome[] = [];
  let handled = 0;
  collectGarbage();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (handled < jobs) {
    const completing = done.length > 0 ? adapter.complete(done) : null;
    const claimed = await adapter.claim({
      leaseToken: `cpu:${seq++}`,
      limit,
      names: ["cpu"],
      maxRetryCount: 25,
      ignoreSorting: false,
      leaseMs: 30_000,
    });
    await completing;
    handled += claimed.jobs.length;
    done = claimed.jobs.map((job) => ({
      id: job.id,
      leaseToken: job.lockedBy as string,
      kind: "succeeded",
      error: null,
      retryDelayMs: null,
      deleteOnFinish: remove,
      cronSuccessor: null,
    }));
    if (claimed.jobs.length === 0) break;
  }
  if (done.length > 0) await adapter.complete(done);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpu: (cpu.user + cpu.system) / jobs, wall: (wall * 1000) / jobs };
}

async function main(): Promise<void> {
  if (baselinePath === "") throw new Error("--baseline <path to adapter-postgres/src/index.ts>");
  const baseline = (await import(pathToFileURL(baselinePath).href)) as AdapterModule;
  const sides = [
    { label: "baseline", module: baseline, cpu: [] as number[], wall: [] as number[] },
    { label: "current", module: current, cpu: [] as number[], wall: [] as number[] },
  ];
  for (let round = 0; round < rounds; round += 1) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      const tableName = `docket_cpu_${process.pid}_${round}_${side.label}`;
      const adapter = side.module.createPostgresAdapter({
        connectionString: url,
        tableName,
        notify: false,
      });
      await adapter.migrate();
      try {
        const { cpu, wall } = await drain(adapter, tableName);
        side.cpu.push(cpu);
        side.wall.push(wall);
      } finally {
        await (adapter.db as { query(text: string): Promise<unknown> }).query(
          `DROP TABLE IF EXISTS ${["", "_migrations", "_file", "_session_token", "_session"].map((t) => `"${tableName}${t}"`).join(", ")}`,
        );
        await adapter.close();
      }
    }
  }
  // Per round, current ÷ baseline: both drains ran in the same minute.
  const [base, cur] = sides as [(typeof sides)[0], (typeof sides)[0]];
  const cpuRatio = cur.cpu.map((c, i) => c / base.cpu[i]!);
  const wallRatio = cur.wall.map((w, i) => w / base.wall[i]!);
  const summary = (values: number[]) => ({
    median: +median(values).toFixed(1),
    min: +Math.min(...values).toFixed(1),
    max: +Math.max(...values).toFixed(1),
  });
  console.log(
    JSON.stringify(
      {
        limit,
        delete: remove,
        jobs,
        rounds,
        ...Object.fromEntries(
          sides.map((side) => [
            side.label,
            { cpuMicrosPerJob: summary(side.cpu), wallMicrosPerJob: summary(side.wall) },
          ]),
        ),
        currentOverBaseline: {
          cpu: {
            median: +median(cpuRatio).toFixed(2),
            min: +Math.min(...cpuRatio).toFixed(2),
            max: +Math.max(...cpuRatio).toFixed(2),
          },
          wall: {
            median: +median(wallRatio).toFixed(2),
            min: +Math.min(...wallRatio).toFixed(2),
            max: +Math.max(...wallRatio).toFixed(2),
          },
        },
      },
      null,
      2,
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
