/**
 * Server time of the Postgres adapter's complete-and-claim statement, timed alone (issue
 * 13, round 5): the statement text of this checkout against the text of a baseline copy of
 * `postgres-sql.ts`, each prepared once on one dedicated connection, called in blocks that
 * alternate A, B, A, B … over one analyzed table, every call completing the job the
 * previous call claimed and claiming the next (what a worker at concurrency 1 sends).
 * Prints per variant the median and spread of the per-block median round trip (loopback:
 * about server time), plus the table's HOT-update counters and one `EXPLAIN (ANALYZE,
 * BUFFERS)` per variant.
 *
 *   pnpm --filter @docket/bench exec tsx src/cost/pg-statement-loop.ts \
 *     --baseline /path/to/old/postgres-sql.ts [--calls 500] [--blocks 8] [--batch 1]
 *     [--fillfactor 100] [--fillfactor-b 100] [--set-a name=value] [--set-b name=value]
 *     [--text-b candidate.sql] [--one] [--explain]
 *
 * `--batch N` claims N and completes the N claimed before (throughput mode's shape);
 * `--fixed-limit` times `completeAndClaimFixedLimit` (the constant-limit form) for "current".
 * Not part of `pnpm bench`; figures go to `results/round5-pg.md`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { createPostgresAdapter } from "@docket/adapter-postgres";
import { queueWorkerAddJobs } from "@docket/core";
import * as current from "../../../adapter-postgres/src/postgres-sql.ts";

type SqlModule = typeof current;

/** The members of a `pg.Client` used here (`pg` ships no types; see `drivers.ts`). */
interface LoopClient {
  connect(): Promise<void>;
  end(): Promise<void>;
  query<R = Record<string, unknown>>(
    config: string | { name?: string; text: string; values?: unknown[] },
    values?: unknown[],
  ): Promise<{ rows: R[] }>;
}
const pg = createRequire(import.meta.url)("pg") as {
  Client: new (config: { connectionString: string }) => LoopClient;
};

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const baselinePath = flag("baseline", "");
const calls = Number(flag("calls", "500"));
const blocks = Number(flag("blocks", "8"));
const batch = Number(flag("batch", "1"));
const fillfactor = Number(flag("fillfactor", "100"));
const fillfactorB = Number(flag("fillfactor-b", String(fillfactor)));
const separateTables = args.includes("--fillfactor-b");
const tableName = (index: number) => `docket_loop_${process.pid}_${index}`;
const explain = args.includes("--explain");
const fixedLimit = args.includes("--fixed-limit");
/** A setting for each variant's session, e.g. `plan_cache_mode=force_generic_plan`. */
const setA = flag("set-a", "");
const setB = flag("set-b", "");
/** A candidate statement for the "current" variant, `$TABLE` standing for the table. */
const textFile = flag("text-b", "");
const url = process.env.DOCKET_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface Variant {
  readonly label: string;
  readonly names: current.PostgresTableNames;
  done: { id: unknown; token: string }[];
  /** Uses `completeOneAndClaimOne` when it completes exactly one job (`--one`). */
  readonly one: boolean;
  readonly oneText: string;
  readonly client: LoopClient;
  readonly text: string;
  readonly times: number[];
  readonly blockMedians: number[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function connect(setting: string): Promise<LoopClient> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  if (setting !== "") {
    const [name, value] = setting.split("=");
    await client.query("SELECT set_config($1, $2, false)", [name, value]);
  }
  return client;
}

async function main(): Promise<void> {
  const baseline = (
    baselinePath === "" ? current : await import(pathToFileURL(baselinePath).href)
  ) as SqlModule;
  // With `--fillfactor-b` the "current" variant runs on a second table of its own.
  const tables = [tableName(0), separateTables ? tableName(1) : tableName(0)];
  const adapters = [...new Set(tables)].map((name) =>
    createPostgresAdapter({ connectionString: url, tableName: name, notify: false }),
  );
  for (const adapter of adapters) await adapter.migrate();
  const names = tables.map((name) => current.postgresTableNames(null, name));
  const variants: Variant[] = [
    {
      label: "baseline",
      client: await connect(setA),
      names: names[0]!,
      done: [],
      one: false,
      oneText: "",
      text: baseline.completeAndClaimJobs(names[0]!, true),
      times: [],
      blockMedians: [],
    },
    {
      label: "current",
      client: await connect(setB),
      names: names[1]!,
      done: [],
      one: args.includes("--one"),
      oneText: current.completeOneAndClaimOne(names[1]!, true),
      text:
        textFile === ""
          ? fixedLimit
            ? current.completeAndClaimFixedLimit(names[1]!, true, batch)
            : current.completeAndClaimJobs(names[1]!, true)
          : readFileSync(textFile, "utf8").replaceAll("$TABLE", names[1]!.table),
      times: [],
      blockMedians: [],
    },
  ];
  const client = variants[0]!.client;
  try {
    const factors = [fillfactor, fillfactorB];
    for (const [index, adapter] of adapters.entries()) {
      const table = names[index]!.table;
      if (factors[index] !== 100)
        await client.query(`ALTER TABLE ${table} SET (fillfactor = ${factors[index]})`);
      const total = (calls * blocks + 40) * batch;
      for (let i = 0; i < total; i += 1000) {
        await queueWorkerAddJobs(
          adapter,
          Array.from({ length: Math.min(1000, total - i) }, (_, k) => ({
            name: "loop",
            data: { seq: i + k },
          })),
        );
      }
      await client.query(`ANALYZE ${table}`);
    }
    let seq = 0;
    const call = async (variant: Variant, prefix = "") => {
      const token = `loop-${seq++}`;
      const only = variant.done[0];
      // `completeOneAndClaimOne` takes scalars and no limit; it needs exactly one done job.
      const isOne = variant.one && variant.done.length === 1 && only !== undefined;
      const values = isOne
        ? [["loop"], 25, token, 30_000, "lease expired", only.id, only.token]
        : [
            ["loop"],
            25,
            ...(fixedLimit && variant.label === "current" ? [] : [batch]),
            token,
            30_000,
            "lease expired",
            variant.done.map((d) => d.id),
            variant.done.map((d) => d.token),
          ];
      const text = isOne ? variant.oneText : variant.text;
      const result = await variant.client.query<{ id: unknown }>(
        prefix === ""
          ? { name: isOne ? "loop_one" : "loop", text, values }
          : { text: prefix + text, values },
      );
      if (prefix === "")
        variant.done = result.rows
          .filter((row) => row.id !== null)
          .map((row) => ({ id: row.id, token }));
      return result;
    };
    // Warm both up (past Postgres's five custom plans), then alternate call by call.
    for (let i = 0; i < 8; i += 1) for (const variant of variants) await call(variant);
    for (let b = 0; b < blocks; b += 1) {
      const block: number[][] = [[], []];
      for (let i = 0; i < calls; i += 1) {
        const index = (i + b) % 2;
        const t0 = performance.now();
        await call(variants[index]!);
        block[index]!.push(performance.now() - t0);
      }
      variants.forEach((variant, index) => {
        variant.blockMedians.push(median(block[index]!));
      });
    }
    const report: Record<string, unknown> = { calls, blocks, batch };
    for (const variant of variants) {
      const plans = await variant.client.query(
        "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements",
      );
      const m = variant.blockMedians;
      const stats = await client.query(
        `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = '${variant.names.table}'::regclass`,
      );
      report[variant.label] = {
        fillfactor: variant === variants[0] ? fillfactor : fillfactorB,
        table: stats.rows[0],
        session: variant.label === "baseline" ? setA : setB,
        plans: plans.rows,
        blockMedianMs: m.map((x) => +x.toFixed(4)),
        medianMs: +median(m).toFixed(4),
        perJobMs: +(median(m) / batch).toFixed(4),
      };
    }
    const ratios = variants[1]!.blockMedians.map((x, i) => x / variants[0]!.blockMedians[i]!);
    report.currentOverBaseline = {
      median: +median(ratios).toFixed(3),
      min: +Math.min(...ratios).toFixed(3),
      max: +Math.max(...ratios).toFixed(3),
    };
    console.log(JSON.stringify(report, null, 2));
    if (explain) {
      for (const variant of variants) {
        await variant.client.query("BEGIN");
        const plan = await call(variant, "EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF) ");
        await variant.client.query("ROLLBACK");
        console.log(`--- ${variant.label}`);
        for (const row of plan.rows as Record<string, string>[]) console.log(row["QUERY PLAN"]);
      }
    }
  } finally {
    for (const name of new Set(tables))
      await client.query(`DROP TABLE IF EXISTS "${name}", "${name}_migrations"`);
    for (const variant of variants) await variant.client.end();
    for (const adapter of adapters) await adapter.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
