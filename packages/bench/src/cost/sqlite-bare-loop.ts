/**
 * The SQLite adapter's bare loop, alone: claim(limit) with the previous claim's successes
 * riding on it (as the worker and `pnpm bench`'s bare loop do), over N pending jobs in a
 * fresh file. Reports Node CPU and wall time per job. With `--baseline <dir>` it also
 * loads a second copy of the adapter (e.g. an older `src` copied under the adapter's
 * ignored `.tmp/`) and alternates the two, A B A B, in this one process, so both see the
 * same machine load; the ratio per pair is what to read on a shared machine.
 * `--pragma <p>` alternates the current adapter with itself plus `PRAGMA <p>` set after
 * opening (e.g. `wal_autocheckpoint = 4000`), the same way.
 * `--statements` times every statement through the wrapped driver (slower; for the split).
 *
 *   pnpm --filter @docket/bench exec tsx src/cost/sqlite-bare-loop.ts [--jobs 3000]
 *        [--limit 1] [--rounds 5] [--baseline ../adapter-sqlite/.tmp/baseline/src/index.ts]
 *        [--statements] [--data-bytes 600]
 *
 * Not part of `pnpm bench`; figures go to `results/round5-sqlite.md`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as current from "@docket/adapter-sqlite";
import type { CompleteResult, JobOutcome } from "@docket/core/adapter";
import { wrapSqlite } from "./sqlite-counting.ts";

type CreateAdapter = typeof current.createSqliteAdapter;

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const jobs = Number(flag("jobs", "3000"));
const limit = Number(flag("limit", "1"));
const rounds = Number(flag("rounds", "5"));
const baselinePath = flag("baseline", "");
const pragma = flag("pragma", "");
const timeStatements = args.includes("--statements");
/** Each job's data: `{}`, or a JSON string of about this many bytes (`--data-bytes`). */
const dataBytes = Number(flag("data-bytes", "0"));
const dataJson = dataBytes > 0 ? JSON.stringify("x".repeat(Math.max(0, dataBytes - 2))) : "{}";

const statementMs = new Map<string, { count: number; ms: number }>();
let recording = false;
if (timeStatements) {
  wrapSqlite((text, at, done) => {
    if (!recording) return;
    const key = text.replace(/\s+/g, " ").slice(0, 70);
    const entry = statementMs.get(key) ?? { count: 0, ms: 0 };
    entry.count += 1;
    entry.ms += done - at;
    statementMs.set(key, entry);
  });
}

const NAME = "bare";
const SUCCEEDED: Omit<JobOutcome, "id" | "leaseToken"> = {
  kind: "succeeded",
  error: null,
  retryDelayMs: null,
  deleteOnFinish: false,
  cronSuccessor: null,
};

async function drainOnce(
  create: CreateAdapter,
  withPragma = "",
): Promise<{ cpuUs: number; userUs: number; wallUs: number }> {
  const directory = mkdtempSync(join(tmpdir(), "docket-bare-"));
  const adapter = create({ filename: join(directory, "bare.db") });
  try {
    await adapter.migrate();
    if (withPragma !== "") (adapter.db as { pragma(source: string): unknown }).pragma(withPragma);
    const batch = Array.from({ length: jobs }, () => ({
      name: NAME,
      dataJson,
      priority: 5,
      scheduledAt: null,
      handlerTimeout: null,
    }));
    await adapter.enqueue(batch);
    let done = 0;
    let sequence = 0;
    let completing: Promise<CompleteResult> | null = null;
    recording = true;
    const cpuAt = process.cpuUsage();
    const wallAt = performance.now();
    while (done < jobs) {
      sequence += 1;
      const leaseToken = `bare:${sequence}`;
      const claiming = adapter.claim({
        leaseToken,
        limit,
        names: [NAME],
        maxRetryCount: 2,
        ignoreSorting: false,
        leaseMs: 30_000,
      });
      const result = await completing;
      if (result !== null && result.lost.length > 0) throw new Error("bare loop: lost a lease");
      const claimed = await claiming;
      if (claimed.jobs.length === 0) throw new Error(`bare loop: empty claim after ${done}`);
      completing = adapter.complete(
        claimed.jobs.map((job) => ({ ...SUCCEEDED, id: job.id, leaseToken })),
      );
      done += claimed.jobs.length;
    }
    await completing;
    const wallUs = ((performance.now() - wallAt) * 1000) / jobs;
    const cpu = process.cpuUsage(cpuAt);
    recording = false;
    return { cpuUs: (cpu.user + cpu.system) / jobs, userUs: cpu.user / jobs, wallUs };
  } finally {
    await adapter.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

const variants: { label: string; create: CreateAdapter; pragma?: string }[] = [
  { label: "current", create: current.createSqliteAdapter },
];
if (pragma !== "") {
  variants.unshift({ label: "baseline", create: current.createSqliteAdapter });
  variants[1] = { ...variants[1]!, pragma };
}
if (baselinePath !== "") {
  const module = (await import(pathToFileURL(resolve(baselinePath)).href)) as typeof current;
  variants.unshift({ label: "baseline", create: module.createSqliteAdapter });
}

await drainOnce(variants[0]!.create); // warm-up: JIT, prepared-statement paths
const results = new Map<string, { cpuUs: number; userUs: number; wallUs: number }[]>();
for (let round = 0; round < rounds; round++) {
  for (const variant of variants) {
    const result = await drainOnce(variant.create, variant.pragma);
    results.set(variant.label, [...(results.get(variant.label) ?? []), result]);
  }
}

const fmt = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  // The minimum too: on a shared machine other processes only ever add time.
  return `median ${median.toFixed(2)} (${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)})`;
};
console.log(`jobs ${jobs}, claim limit ${limit}, ${rounds} rounds, µs per job`);
for (const [label, list] of results) {
  console.log(
    `${label.padEnd(9)} cpu ${fmt(list.map((r) => r.cpuUs))}  user ${fmt(list.map((r) => r.userUs))}  wall ${fmt(list.map((r) => r.wallUs))}`,
  );
}
if (variants.length === 2) {
  const base = results.get("baseline")!;
  const now = results.get("current")!;
  const ratios = now.map((r, i) => r.wallUs / base[i]!.wallUs);
  const cpuRatios = now.map((r, i) => r.cpuUs / base[i]!.cpuUs);
  const userRatios = now.map((r, i) => r.userUs / base[i]!.userUs);
  console.log(
    `current ÷ baseline per pair: wall ${fmt(ratios)}, cpu ${fmt(cpuRatios)}, user ${fmt(userRatios)}`,
  );
}
if (timeStatements) {
  const total = jobs * rounds * variants.length;
  for (const [text, { count, ms }] of statementMs) {
    const perJob = (count / total).toFixed(2);
    console.log(`${perJob}/job ${((ms * 1000) / count).toFixed(2)} µs each  ${text}`);
  }
}
