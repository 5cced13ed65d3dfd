/**
 * The bench's deep-table scenario for Docket on Postgres alone, repeated (issue 13, round
 * 5): per round an empty-table drain and a deep-table drain (completed history + future
 * rows, `VACUUM ANALYZE` before the drain, as `scenarios/deep-drain.ts`), printing each
 * rate and the deep ÷ empty ratio. Run it from two checkouts one after the other to
 * compare adapters; `--explain` prints the claim's plan on the deep table before the drain.
 *
 *   pnpm --filter @docket/bench exec tsx src/cost/pg-deep-drain.ts [--rounds 3] [--scale 0.25]
 *
 * Not part of `pnpm bench`; figures go to `results/round5-pg2.md`.
 */
import { performance } from "node:perf_hooks";
import { BASE_COUNTS, scaleCounts } from "../config.ts";
import { DocketSystem } from "../systems/docket.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const rounds = Number(flag("rounds", "3"));
const counts = scaleCounts(BASE_COUNTS, Number(flag("scale", "0.25")));
const only = flag("only", "");
/** Stop after filling and analyzing (tables left for EXPLAIN in psql). */
const keep = args.includes("--keep");
const env = {
  postgresUrl: process.env.DOCKET_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  mysqlUrl: "",
  sqliteDir: "/tmp",
  docketPrefetch: 0,
};

async function once(variant: "empty" | "deep"): Promise<number> {
  const system = new DocketSystem("postgres", env);
  await system.setup(`deep-${variant}`);
  try {
    if (variant === "deep")
      await system.fillDeep(counts.serverDeepHistory, counts.serverDeepFuture);
    const jobs = Array.from({ length: counts.deepDue }, (_, seq) => ({ seq }));
    for (let i = 0; i < jobs.length; i += 1000) await system.enqueueBatch(jobs.slice(i, i + 1000));
    await system.analyze();
    if (keep) {
      console.log(`kept ${(system as unknown as { qualifiedTable: string }).qualifiedTable}`);
      process.exit(0);
    }
    const start = performance.now();
    const result = await system.drain(counts.deepDue, counts.deepConcurrency, 60_000);
    const ms = performance.now() - start;
    return (result.jobs / ms) * 1000;
  } finally {
    await system.teardown();
  }
}

for (let round = 0; round < rounds; round += 1) {
  const empty = only === "deep" ? Number.NaN : await once("empty");
  const deep = only === "empty" ? Number.NaN : await once("deep");
  console.log(
    `round ${round}: empty ${empty.toFixed(0)} deep ${deep.toFixed(0)} jobs/s, deep ÷ empty ${(deep / empty).toFixed(2)}×`,
  );
}
