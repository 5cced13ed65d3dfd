/**
 * Node CPU per job of the MariaDB/MySQL adapter alone (issue 13, round 6): a bare loop
 * that claims `--limit` jobs and hands their successes to `complete` in the same turn as
 * the next claim (so they ride on it, as with a worker), over `--jobs` pending jobs in a
 * table of its own. With `--baseline <path to a copy of adapter-mysql/src/index.ts>` (e.g.
 * main's `src` copied under the adapter's ignored `.tmp/baseline/`) it alternates that
 * copy and this checkout's adapter drain by drain, A B B A …, in this one process, so
 * both see the same machine load. Prints CPU µs per job (`process.cpuUsage`) and wall µs
 * per job, median and spread, and the per-pair ratios.
 *
 *   pnpm --filter @docket/bench exec tsx src/cost/mysql-adapter-cpu.ts \
 *     [--baseline ../adapter-mysql/.tmp/baseline/src/index.ts] [--limit 1] [--jobs 2000] [--rounds 6]
 *
 * `--profile <file.cpuprofile>` records a V8 CPU profile of the measured drains only (not
 * of start-up, table fills or the warm-up), for Chrome DevTools or a script.
 * Not part of `pnpm bench`; figures go to `results/round6-mysql-cpu.md`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as current from "@docket/adapter-mysql";
import type { StorageAdapter } from "@docket/core";
import type { CompleteResult } from "@docket/core/adapter";
import { bareClaimRequest, successOutcomes } from "../systems/docket.ts";

type CreateAdapter = typeof current.createMysqlAdapter;

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const baselinePath = flag("baseline", "");
const limit = Number(flag("limit", "1"));
const jobs = Number(flag("jobs", "2000"));
const rounds = Number(flag("rounds", "6"));
const uri = process.env.DOCKET_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";
const profilePath = flag("profile", "");
const NAME = "cpu";

/** Per job, in µs: process CPU, its kernel part, the main thread's CPU, wall time. */
interface Measured {
  cpuUs: number;
  sysUs: number;
  mainUs: number;
  wallUs: number;
}

/** The inspector session recording the drains, when `--profile` is given. */
const profiler = profilePath === "" ? null : new Session();
if (profiler !== null) {
  profiler.connect();
  await profiler.post("Profiler.enable");
  await profiler.post("Profiler.setSamplingInterval", { interval: 500 });
}

/**
 * Nanoseconds the main thread has run (Linux `schedstat`, user and kernel): unlike
 * `process.cpuUsage` it leaves out V8's helper threads (concurrent GC, compiler), whose
 * share swings with the machine's load. 0 where the file does not exist.
 */
function mainThreadNs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]);
  } catch {
    return 0;
  }
}

/** Fills a fresh table with `jobs` pending jobs, then drains it; CPU and wall µs per job. */
async function drainOnce(create: CreateAdapter, tableName: string): Promise<Measured> {
  const adapter: StorageAdapter = create({ uri, tableName });
  try {
    await adapter.migrate();
    for (let at = 0; at < jobs; at += 1000) {
      await adapter.enqueue(
        Array.from({ length: Math.min(1000, jobs - at) }, () => ({
          name: NAME,
          dataJson: '{"a":1}',
          priority: 5,
          scheduledAt: null,
          handlerTimeout: null,
        })),
      );
    }
    let done = 0;
    let sequence = 0;
    let completing: Promise<CompleteResult> | null = null;
    if (profiler !== null && recording) await profiler.post("Profiler.start");
    const cpuAt = process.cpuUsage();
    const threadAt = mainThreadNs();
    const wallAt = performance.now();
    while (done < jobs) {
      sequence += 1;
      const leaseToken = `cpu:${sequence}`;
      const claiming = adapter.claim(bareClaimRequest(NAME, leaseToken, limit));
      const result: CompleteResult | null = await completing;
      if (result !== null && result.lost.length > 0) throw new Error("bare loop: lost a lease");
      const claimed = await claiming;
      if (claimed.jobs.length === 0) throw new Error(`bare loop: empty claim after ${done}`);
      completing = adapter.complete(successOutcomes(claimed.jobs, leaseToken));
      done += claimed.jobs.length;
    }
    await completing;
    if (profiler !== null && recording) {
      const { profile } = await profiler.post("Profiler.stop");
      profiles.push(profile);
    }
    const wallUs = ((performance.now() - wallAt) * 1000) / jobs;
    const cpu = process.cpuUsage(cpuAt);
    const mainUs = (mainThreadNs() - threadAt) / 1000 / jobs;
    return { cpuUs: (cpu.user + cpu.system) / jobs, sysUs: cpu.system / jobs, mainUs, wallUs };
  } finally {
    await (adapter.db as { query(text: string): Promise<unknown> }).query(
      `DROP TABLE IF EXISTS \`${tableName}\`, \`${tableName}_migrations\``,
    );
    await adapter.close();
  }
}

const variants: { label: string; create: CreateAdapter }[] = [
  { label: "current", create: current.createMysqlAdapter },
];
if (baselinePath !== "") {
  const module = (await import(pathToFileURL(resolve(baselinePath)).href)) as typeof current;
  variants.unshift({ label: "baseline", create: module.createMysqlAdapter });
}

let recording = false;
const profiles: object[] = [];
// Warm-up: JIT, mysql2's parser cache and prepared statements of every variant.
for (const variant of variants) await drainOnce(variant.create, `docket_cpu_${process.pid}_warm`);
recording = true;
const results = new Map<string, Measured[]>();
for (let round = 0; round < rounds; round++) {
  for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
    const result = await drainOnce(variant.create, `docket_cpu_${process.pid}_${round}`);
    results.set(variant.label, [...(results.get(variant.label) ?? []), result]);
  }
}

if (profiler !== null) {
  // One file per drain would be many; the last drain's profile stands for them all.
  writeFileSync(profilePath, JSON.stringify(profiles.at(-1)));
  profiler.disconnect();
}

const fmt = (values: number[], digits = 1) => {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median.toFixed(digits)} (${sorted[0]!.toFixed(digits)}–${sorted.at(-1)!.toFixed(digits)})`;
};
console.log(`jobs ${jobs}, claim limit ${limit}, ${rounds} rounds, µs per job`);
for (const [label, list] of results) {
  console.log(
    `${label.padEnd(9)} cpu ${fmt(list.map((r) => r.cpuUs))} (kernel ${fmt(list.map((r) => r.sysUs))}), ` +
      `main thread ${fmt(list.map((r) => r.mainUs))}, wall ${fmt(list.map((r) => r.wallUs))}`,
  );
}
if (variants.length === 2) {
  const base = results.get("baseline")!;
  const now = results.get("current")!;
  const ratios = now.map((r, i) => r.wallUs / base[i]!.wallUs);
  const cpuRatios = now.map((r, i) => r.cpuUs / base[i]!.cpuUs);
  const mainRatios = now.map((r, i) => r.mainUs / base[i]!.mainUs);
  console.log(
    `current ÷ baseline per pair: cpu ${fmt(cpuRatios, 2)}, main thread ${fmt(mainRatios, 2)}, wall ${fmt(ratios, 2)}`,
  );
}
