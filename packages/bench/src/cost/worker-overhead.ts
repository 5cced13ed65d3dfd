/**
 * Worker overhead per job (issue 13, round 5): drains N no-op jobs through the full
 * worker and through a bare loop of the adapter's own claim + complete (the bench's
 * `bareDrain` shape: the next claim is sent while the last complete is pending), on the
 * in-memory reference adapter (no database: what is left is the worker's own cost) and on
 * SQLite. `served` is the memory adapter with its claim replaced by slices of a list claimed
 * up front and its complete by a no-op: no queue work at all, so worker − bare is the
 * worker's JavaScript alone (the memory adapter's claim sorts every pending row, which
 * swamps it at thousands of jobs). Worker and bare rounds alternate (ABAB…) in one process, each on a fresh store,
 * and each prints Node CPU µs per job (`process.cpuUsage`, user + system) and wall µs per
 * job; the summary gives the median and the range of every column and worker ÷ bare.
 *
 *   pnpm --filter @docket/bench exec tsx src/cost/worker-overhead.ts [--db served,memory,sqlite,postgres]
 *        [--jobs 5000] [--concurrency 1,10] [--prefetch 0] [--rounds 5] [--profile out.cpuprofile]
 *
 * `--baseline <path to another checkout's packages/core/src/index.ts>` adds that
 * checkout's worker to every round (same adapters, same process, interleaved), so a
 * change to the worker can be compared with its base on a noisy machine: the rows
 * `baseline` and `worker` of one table come from the same minutes.
 *
 * `--profile` writes a V8 CPU profile of the worker drains only (not the fills, not the
 * bare loops), for Chrome DevTools or any `.cpuprofile` reader.
 *
 * The bare loop's claim limit is concurrency + prefetch, as in the bench's bare rows.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createPostgresAdapter } from "@docket/adapter-postgres";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import {
  type JobRecord,
  queueWorkerAddJobs,
  queueWorkerCreate,
  type StorageAdapter,
} from "@docket/core";
// Not through "@docket/core/testing": its index loads vitest, which refuses to run here.
import { createMemoryAdapter } from "../../../core/src/testing/memory-adapter.ts";
import { bareClaimRequest, successOutcomes } from "../systems/docket.ts";
import { countingWorker } from "./cost-drain.ts";

const JOB_NAME = "overhead";
const ENQUEUE_BATCH = 1_000;

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const dbs = flag("db", "served,memory,sqlite").split(",");
const defaultJobs = Number(flag("jobs", "5000"));
/** The memory adapter's claim is O(pending rows): it gets fewer jobs. */
const memoryJobs = Number(flag("memory-jobs", "1000"));
/** Jobs per drain of the database being measured (set per database in main). */
let jobs = defaultJobs;
const concurrencies = flag("concurrency", "1,10").split(",").map(Number);
const prefetch = Number(flag("prefetch", "0"));
const rounds = Number(flag("rounds", "5"));
const profilePath = flag("profile", "");
const profiler = profilePath === "" ? undefined : new Session();

setFlagsFromString("--expose-gc");
/**
 * A full collection before each measured drain, so that the garbage of the fill (the
 * memory adapter's snapshots above all) is not collected on the drain's account.
 */
const collectGarbage = runInNewContext("gc") as () => void;

interface Cost {
  cpuUs: number;
  wallUs: number;
}

const directory = mkdtempSync(join(tmpdir(), "docket-overhead-"));
let files = 0;

/** Runs SQL on a Postgres adapter's own pool (ANALYZE, DROP). */
function rawPostgres(adapter: StorageAdapter, text: string): Promise<unknown> {
  return (adapter.db as { query(text: string): Promise<unknown> }).query(text);
}

function postgresTable(): string {
  return `docket_overhead_${process.pid}_${files}`;
}

function openAdapter(db: string): StorageAdapter {
  if (db === "memory" || db === "served") return createMemoryAdapter();
  files += 1;
  if (db === "postgres") {
    return createPostgresAdapter({
      connectionString:
        process.env.DOCKET_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test",
      tableName: postgresTable(),
    });
  }
  return createSqliteAdapter({ filename: join(directory, `overhead-${files}.db`) });
}

/** The memory adapter, but claims hand out jobs leased beforehand and completes do nothing. */
async function served(memory: StorageAdapter): Promise<StorageAdapter> {
  const leased: JobRecord[] = [];
  for (;;) {
    const { jobs: batch } = await memory.claim({
      leaseToken: "overhead-served",
      limit: ENQUEUE_BATCH,
      names: [JOB_NAME],
      maxRetryCount: 2,
      ignoreSorting: false,
      leaseMs: 600_000,
    });
    if (batch.length === 0) break;
    leased.push(...batch);
  }
  let next = 0;
  const adapter = Object.create(memory) as StorageAdapter;
  adapter.claim = async (request) => {
    const jobs = leased.slice(next, next + request.limit);
    next += jobs.length;
    return { jobs, now: new Date(), finished: [] };
  };
  adapter.complete = async (outcomes) => ({ recorded: outcomes.map((o) => o.id), lost: [] });
  return adapter;
}

async function fill(adapter: StorageAdapter): Promise<void> {
  for (let done = 0; done < jobs; done += ENQUEUE_BATCH) {
    const count = Math.min(ENQUEUE_BATCH, jobs - done);
    await queueWorkerAddJobs(
      adapter,
      Array.from({ length: count }, (_, i) => ({ name: JOB_NAME, data: { seq: done + i } })),
    );
  }
}

/** Runs `drain` on a freshly filled store and returns its cost per job. */
async function measure(
  db: string,
  drain: (adapter: StorageAdapter) => Promise<void>,
  profile = false,
) {
  const opened = openAdapter(db);
  await opened.migrate();
  await fill(opened);
  const table = postgresTable();
  // As the bench's drains: the statistics are settled (the kept-plan statements apply).
  if (db === "postgres") await rawPostgres(opened, `ANALYZE "${table}"`);
  const adapter = db === "served" ? await served(opened) : opened;
  collectGarbage();
  if (profile) await profiler?.post("Profiler.start");
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await drain(adapter);
  const wall = performance.now() - wallBefore;
  const cpu = process.cpuUsage(cpuBefore);
  if (profile) await profiler?.post("Profiler.stop").then(keepProfile);
  if (db === "postgres") {
    const tables = ["", "_migrations", "_file", "_session_token", "_session"];
    await rawPostgres(opened, `DROP TABLE ${tables.map((t) => `"${table}${t}"`).join(", ")}`);
  }
  await opened.close();
  return { cpuUs: (cpu.user + cpu.system) / jobs, wallUs: (wall * 1000) / jobs };
}

type CreateWorker = typeof queueWorkerCreate;

async function workerDrain(
  create: CreateWorker,
  adapter: StorageAdapter,
  concurrency: number,
): Promise<void> {
  const { worker, allRan: done } = countingWorker(adapter, {
    name: JOB_NAME,
    jobs,
    parallelCount: concurrency,
    prefetchCount: prefetch,
    create,
  });
  worker.start();
  await done;
  await worker.stop();
}

async function bareDrain(adapter: StorageAdapter, limit: number): Promise<void> {
  let done = 0;
  let sequence = 0;
  let completing: Promise<unknown> = Promise.resolve();
  while (done < jobs) {
    sequence += 1;
    const leaseToken = `overhead-bare:${sequence}`;
    const claiming = adapter.claim(bareClaimRequest(JOB_NAME, leaseToken, limit));
    await completing;
    const claimed = (await claiming).jobs;
    if (claimed.length === 0) throw new Error(`bare loop: nothing to claim after ${done} jobs`);
    completing = adapter.complete(successOutcomes(claimed, leaseToken));
    done += claimed.length;
  }
  await completing;
}

/** V8 profiles of several drains merge poorly; the last one measured is kept. */
function keepProfile({ profile }: { profile: unknown }): void {
  writeFileSync(profilePath, JSON.stringify(profile));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function spread(values: number[], digits = 1): string {
  const lo = Math.min(...values).toFixed(digits);
  const hi = Math.max(...values).toFixed(digits);
  return `${median(values).toFixed(digits)} (${lo}–${hi})`;
}

async function workers(): Promise<[string, CreateWorker][]> {
  const own: [string, CreateWorker][] = [["worker", queueWorkerCreate]];
  const baselinePath = flag("baseline", "");
  if (baselinePath === "") return own;
  const baseline = (await import(pathToFileURL(baselinePath).href)) as {
    queueWorkerCreate: CreateWorker;
  };
  return [["baseline", baseline.queueWorkerCreate], ...own];
}

async function main(): Promise<void> {
  if (profiler !== undefined) {
    profiler.connect();
    await profiler.post("Profiler.enable");
    await profiler.post("Profiler.setSamplingInterval", { interval: 100 });
  }
  const variants = await workers();
  console.log(
    `worker-overhead: ${defaultJobs} no-op jobs (memory: ${memoryJobs}), prefetch ${prefetch}, ${rounds} alternated rounds (+1 warm-up); median (min–max)`,
  );
  console.log(
    "| db | c | loop | CPU µs/job | CPU − bare µs/job | wall: bare ÷ loop (jobs/s ratio) |",
  );
  console.log("|:--|--:|:--|--:|--:|--:|");
  for (const db of dbs) {
    jobs = db === "memory" ? memoryJobs : defaultJobs;
    for (const concurrency of concurrencies) {
      const costs = new Map<string, Cost[]>([["bare", []]]);
      for (const [label] of variants) costs.set(label, []);
      for (let round = 0; round <= rounds; round += 1) {
        const measured: [string, Cost][] = [];
        // Alternate the order too (ABAB, then BABA), so neither loop always runs first.
        const order = round % 2 === 0 ? variants : [...variants].reverse();
        for (const [label, create] of order) {
          const drain = (adapter: StorageAdapter) => workerDrain(create, adapter, concurrency);
          measured.push([label, await measure(db, drain, round > 0 && label === "worker")]);
        }
        const bareDrainOf = (adapter: StorageAdapter) => bareDrain(adapter, concurrency + prefetch);
        measured.push(["bare", await measure(db, bareDrainOf)]);
        if (round === 0) continue; // warm-up: JIT and the module graph
        for (const [label, cost] of measured) costs.get(label)?.push(cost);
      }
      const bare = costs.get("bare") as Cost[];
      for (const [label, list] of costs) {
        const extra = list.map((cost, i) => cost.cpuUs - (bare[i] as Cost).cpuUs);
        const ratio = list.map((cost, i) => (bare[i] as Cost).wallUs / cost.wallUs);
        console.log(
          `| ${db} | ${concurrency} | ${label} | ${spread(list.map((cost) => cost.cpuUs))} | ${spread(extra)} | ${spread(ratio, 2)}× |`,
        );
      }
    }
  }
  rmSync(directory, { recursive: true, force: true });
}

await main();
