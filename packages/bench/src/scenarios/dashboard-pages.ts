/**
 * `pnpm bench --dashboard`: the dashboard's overview and list pages over a deep Postgres
 * table (1,000,000 jobs at --scale 1), timed on the server (the handler's `Server-Timing`
 * header: from the request's arrival to the response written), with the EXPLAIN (ANALYZE,
 * BUFFERS) plan of every query those pages run. Target (issue 12): p50 under 100 ms.
 */
import { createPostgresAdapter } from "@docket/adapter-postgres";
import type { StorageAdapter } from "@docket/core";
import { startDashboardServer } from "@docket/dashboard";
import { type PgQueryable, withPg } from "../drivers.ts";
import { summarize } from "../stats.ts";

export const DASHBOARD_SCHEMA = "docket_bench_dashboard";
const TABLE = "docket_job";
export const DASHBOARD_BASE_JOBS = 1_000_000;
const NAMES = 20;
const INSERT_CHUNK = 100_000;
const WARMUP = 3;
const SAMPLES = 30;
/** The seeded history spans a day (about 42,000 jobs finish in the chart's last hour). */
const HISTORY_MS = 24 * 3_600_000;

export interface PageTiming {
  label: string;
  path: string;
  serverP50: number;
  serverP95: number;
  serverMax: number;
  clientP50: number;
}

export interface DashboardBenchResult {
  jobs: number;
  seedMs: number;
  pages: PageTiming[];
  plans: { page: string; text: string; plan: string }[];
}

interface RecordedQuery {
  text: string;
  values: unknown[];
}

export async function dashboardPages(
  postgresUrl: string,
  scale: number,
  log: (line: string) => void,
): Promise<DashboardBenchResult> {
  const jobs = Math.max(1_000, Math.round(DASHBOARD_BASE_JOBS * scale));
  await withPg(postgresUrl, async (db) => {
    await db.query(`DROP SCHEMA IF EXISTS "${DASHBOARD_SCHEMA}" CASCADE`);
    await db.query(`CREATE SCHEMA "${DASHBOARD_SCHEMA}"`);
  });
  const adapter = createPostgresAdapter({
    connectionString: postgresUrl,
    schema: DASHBOARD_SCHEMA,
    tableName: TABLE,
    notify: false,
    poolSize: 4,
  });
  try {
    await adapter.migrate();
    const seedStart = performance.now();
    await withPg(postgresUrl, (db) => seed(db, jobs, log));
    const seedMs = performance.now() - seedStart;
    log(`seeded ${jobs} jobs in ${(seedMs / 1000).toFixed(1)} s (with VACUUM ANALYZE)`);
    const server = await startDashboardServer({ adapter, pageSize: 50 });
    // The overview's aggregates are shared between requests for 5 s (statsMaxAgeMs); this
    // second server reads them on every request, to show what one read costs.
    const uncached = await startDashboardServer({ adapter, pageSize: 50, statsMaxAgeMs: 0 });
    try {
      const recorder = recordQueries(adapter);
      const pages: PageTiming[] = [];
      const plans: DashboardBenchResult["plans"] = [];
      for (const page of pageList(jobs)) {
        const url = (page.uncached ? uncached.url : server.url) + page.path;
        recorder.start();
        const first = await fetch(url);
        await first.text();
        const queries = recorder.stop();
        if (first.status !== 200) throw new Error(`${page.path} answered ${first.status}`);
        for (const query of page.uncached ? [] : queries) {
          plans.push({ page: page.label, text: query.text, plan: await explain(adapter, query) });
        }
        const serverMs: number[] = [];
        const clientMs: number[] = [];
        for (let i = 0; i < WARMUP + SAMPLES; i++) {
          const start = performance.now();
          const response = await fetch(url);
          await response.text();
          if (i < WARMUP) continue;
          clientMs.push(performance.now() - start);
          serverMs.push(serverTime(response.headers.get("server-timing")));
        }
        const s = summarize(serverMs);
        pages.push({
          label: page.label,
          path: page.path,
          serverP50: s.p50,
          serverP95: s.p95,
          serverMax: s.max,
          clientP50: summarize(clientMs).p50,
        });
        log(`${page.label}: server p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms`);
      }
      return { jobs, seedMs, pages, plans };
    } finally {
      await server.close();
      await uncached.close();
    }
  } finally {
    await adapter.close();
    await withPg(postgresUrl, (db) =>
      db.query(`DROP SCHEMA IF EXISTS "${DASHBOARD_SCHEMA}" CASCADE`),
    );
  }
}

/** The overview, and list pages with each kind of filter, as an operator would open them. */
function pageList(jobs: number): { label: string; path: string; uncached?: boolean }[] {
  return [
    { label: "overview (counts shared for 5 s, as served)", path: "/" },
    { label: "overview, counts read on every request", path: "/", uncached: true },
    { label: "list: all", path: "/jobs" },
    { label: "list: page in the middle", path: `/jobs?before=${Math.floor(jobs / 2)}` },
    { label: "list: failed", path: "/jobs?state=failed" },
    { label: "list: pending", path: "/jobs?state=pending" },
    { label: "list: scheduled", path: "/jobs?state=scheduled" },
    { label: "list: running", path: "/jobs?state=running" },
    { label: "list: by name", path: "/jobs?name=bench.job.7" },
    { label: "list: by name, failed", path: "/jobs?name=bench.job.7&state=failed" },
    { label: "job detail", path: `/jobs/${Math.floor(jobs / 3)}` },
    { label: "cron", path: "/cron" },
  ];
}

/**
 * Rows as a busy queue leaves them, spread over the last day: of every 100 jobs 90
 * completed, 5 failed, 3 pending (due), 1 scheduled a day ahead, 1 running (a live lease),
 * over 20 names (each name has jobs in every state). Inserted with `generate_series` (the
 * API path is measured elsewhere).
 */
async function seed(db: PgQueryable, jobs: number, log: (line: string) => void): Promise<void> {
  const table = `"${DASHBOARD_SCHEMA}"."${TABLE}"`;
  for (let from = 1; from <= jobs; from += INSERT_CHUNK) {
    const to = Math.min(jobs, from + INSERT_CHUNK - 1);
    await db.query(
      `INSERT INTO ${table} (name, data, priority, scheduled_at, retry_count, is_complete,
         created_at, updated_at, completed_at, failed_at, last_error, locked_by, locked_until)
       SELECT 'bench.job.' || ((g / 100) % ${NAMES}), json_build_object('seq', g), 5,
         CASE WHEN g % 100 = 98 THEN now() + interval '1 day' ELSE at END,
         CASE WHEN g % 100 BETWEEN 90 AND 94 THEN 2 ELSE 0 END,
         g % 100 < 95,
         at, at,
         CASE WHEN g % 100 < 95 THEN at + interval '1 second' END,
         CASE WHEN g % 100 BETWEEN 90 AND 94 THEN at + interval '1 second' END,
         CASE WHEN g % 100 BETWEEN 90 AND 94 THEN 'Error: bench failure ' || g END,
         CASE WHEN g % 100 = 99 THEN 'bench-worker:1' END,
         CASE WHEN g % 100 = 99 THEN now() + interval '1 hour' END
       FROM generate_series($1::bigint, $2::bigint) AS g,
         LATERAL (SELECT now() - make_interval(secs => ($3::bigint - g) * $4::float8)) AS t(at)`,
      [from, to, jobs, HISTORY_MS / 1000 / jobs],
    );
    log(`  inserted ${to} / ${jobs}`);
  }
  await db.query(`VACUUM ANALYZE ${table}`);
}

/** Records the text and values of every query the adapter's pool runs between start() and stop(). */
function recordQueries(adapter: StorageAdapter) {
  const pool = adapter.db as { query: (...args: unknown[]) => unknown };
  const original = pool.query.bind(pool);
  let recorded: RecordedQuery[] | null = null;
  pool.query = (...args: unknown[]) => {
    const config = args[0];
    if (recorded !== null) {
      if (typeof config === "string") {
        recorded.push({ text: config, values: (args[1] as unknown[] | undefined) ?? [] });
      } else if (typeof config === "object" && config !== null) {
        const { text, values } = config as { text: string; values?: unknown[] };
        recorded.push({ text, values: values ?? [] });
      }
    }
    return original(...args);
  };
  return {
    start() {
      recorded = [];
    },
    stop(): RecordedQuery[] {
      const queries = recorded ?? [];
      recorded = null;
      const seen = new Set<string>();
      return queries.filter((query) => {
        const key = `${query.text}\u0000${JSON.stringify(query.values)}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    },
  };
}

async function explain(adapter: StorageAdapter, query: RecordedQuery): Promise<string> {
  const pool = adapter.db as PgQueryable;
  const result = await pool.query(
    `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${query.text}`,
    query.values,
  );
  return result.rows.map((row) => String(row["QUERY PLAN"])).join("\n");
}

function serverTime(header: string | null): number {
  const match = /app;dur=([0-9.]+)/.exec(header ?? "");
  if (match === null) throw new Error(`no Server-Timing in the response: ${header}`);
  return Number(match[1]);
}

/** The report: a table of timings against the target, then every plan. */
export function renderDashboardReport(result: DashboardBenchResult, command: string): string {
  const lines = [
    `# Docket dashboard benchmark — ${new Date().toISOString()}`,
    "",
    `Command: \`${command}\`. PostgreSQL, ${result.jobs.toLocaleString("en-US")} jobs ` +
      "(of every 100: 90 completed, 5 failed, 3 pending, 1 scheduled, 1 running; 20 names; " +
      "history over the last 24 hours), VACUUM ANALYZE after the insert. Page size 50. " +
      `${SAMPLES} requests per page after ${WARMUP} warm-ups, one at a time; server time is ` +
      "the handler's `Server-Timing` (request in → response written).",
    "",
    "| page | path | server p50 | server p95 | max | client p50 | p50 < 100 ms |",
    "|---|---|---:|---:|---:|---:|---|",
    ...result.pages.map(
      (page) =>
        `| ${page.label} | \`${page.path}\` | ${page.serverP50.toFixed(1)} ms | ` +
        `${page.serverP95.toFixed(1)} ms | ${page.serverMax.toFixed(1)} ms | ` +
        `${page.clientP50.toFixed(1)} ms | ${page.serverP50 < 100 ? "PASS" : "MISS"} |`,
    ),
    "",
    "## Query plans (EXPLAIN ANALYZE, BUFFERS)",
  ];
  for (const plan of result.plans) {
    lines.push(
      "",
      `### ${plan.page}`,
      "",
      "```sql",
      plan.text.trim(),
      "```",
      "",
      "```",
      plan.plan,
      "```",
    );
  }
  return lines.join("\n");
}
