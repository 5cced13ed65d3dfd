import type { Counts } from "./config.ts";
import type { Measurement, Results, ScenarioId } from "./results.ts";
import { ratio } from "./stats.ts";
import type { BenchSystem, DatabaseId, SystemId } from "./system.ts";

const DATABASE_TITLES: Record<DatabaseId, string> = {
  sqlite: "SQLite",
  postgres: "PostgreSQL",
  mysql: "MySQL / MariaDB",
};

/** What was run on one database, for its table. */
export interface DatabaseSection {
  database: DatabaseId;
  systems: readonly BenchSystem[];
  /** Load average (1 min) when the section started and ended. */
  load: { start: number; end: number };
  durationMs: number;
}

interface RowSpec {
  label: string;
  scenario: ScenarioId;
  variant: string;
  kind: "rate" | "latency";
}

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");

export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return "—";
  return value >= 100 ? fmtInt(value) : value.toFixed(1);
}

export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return "—";
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return fmtInt(value);
}

export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return "—";
  if (value >= 100) return `${fmtInt(value)}×`;
  if (value >= 0.01) return `${value.toFixed(2)}×`;
  return `${value.toPrecision(2)}×`;
}

function rowSpecs(database: DatabaseId, counts: Counts): RowSpec[] {
  const c = counts;
  const rows: RowSpec[] = [
    {
      label: `Sequential enqueue: ${fmtInt(c.sequentialEnqueue)} single-job calls (jobs/s)`,
      scenario: "enqueue-sequential",
      variant: "",
      kind: "rate",
    },
    {
      label: `Batch enqueue: ${fmtInt(c.batchEnqueue)} jobs, ${fmtInt(c.batchSize)} per call (jobs/s)`,
      scenario: "enqueue-batch",
      variant: "",
      kind: "rate",
    },
  ];
  for (const concurrency of c.drainConcurrencies) {
    rows.push({
      label: `Drain ${fmtInt(c.drain)} no-op jobs, concurrency ${concurrency} (jobs/s)`,
      scenario: "drain",
      variant: `c${concurrency}`,
      kind: "rate",
    });
  }
  for (const limit of c.bareClaimLimits) {
    rows.push({
      label: `Bare loop of the adapter's claim(limit ${limit}) + complete, ${fmtInt(c.drain)} jobs (jobs/s)`,
      scenario: "bare-floor",
      variant: `claim${limit}`,
      kind: "rate",
    });
  }
  if (database === "postgres") {
    rows.push(
      {
        label: `Drain ${fmtInt(c.drain)} jobs, concurrency 10, cold: fresh table never analyzed (jobs/s)`,
        scenario: "drain",
        variant: "c10-cold",
        kind: "rate",
      },
      {
        label: `Drain ${fmtInt(c.drain)} jobs, concurrency 10, Docket \`deleteJobOnCompletion: true\` (jobs/s)`,
        scenario: "drain",
        variant: "c10-delete",
        kind: "rate",
      },
    );
  }
  if (database !== "sqlite") {
    rows.push({
      label: `Drain ${fmtInt(c.drain)} jobs, ${c.processes} worker processes × concurrency ${c.processConcurrency} (jobs/s)`,
      scenario: "drain-processes",
      variant: `${c.processes}x${c.processConcurrency}`,
      kind: "rate",
    });
  }
  if (database === "postgres") {
    rows.push(
      {
        label: `Drain ${fmtInt(c.drain)} jobs, ${c.processes} processes × ${c.processConcurrency}, Docket \`deleteJobOnCompletion: true\` (jobs/s)`,
        scenario: "drain-processes",
        variant: `${c.processes}x${c.processConcurrency}-delete`,
        kind: "rate",
      },
      {
        label: `Realistic: ${fmtInt(c.realistic)} jobs awaiting 5 ms of I/O, concurrency ${c.realisticConcurrency}, one process (jobs/s)`,
        scenario: "drain",
        variant: `realistic-c${c.realisticConcurrency}`,
        kind: "rate",
      },
      {
        label: `Realistic: ${fmtInt(c.realistic)} jobs awaiting 5 ms of I/O, ${c.processes} processes × ${c.realisticConcurrency} (jobs/s)`,
        scenario: "drain-processes",
        variant: `realistic-${c.processes}x${c.realisticConcurrency}`,
        kind: "rate",
      },
    );
  }
  rows.push({
    label: `Latency enqueue → handler start, idle worker in the same process, ${fmtInt(c.latency)} jobs (ms p50 / p95 / p99)`,
    scenario: "latency",
    variant: "same-process",
    kind: "latency",
  });
  if (database === "postgres") {
    rows.push({
      label: `Latency, idle worker in another process (wake-up via the database), ${fmtInt(c.latency)} jobs (ms p50 / p95 / p99)`,
      scenario: "latency",
      variant: "other-process",
      kind: "latency",
    });
  }
  rows.push(
    {
      label: `Drain ${fmtInt(c.deepDue)} due jobs, empty table, concurrency ${c.deepConcurrency} (jobs/s)`,
      scenario: "deep-drain",
      variant: "empty",
      kind: "rate",
    },
    {
      label: `Drain ${fmtInt(c.deepDue)} due jobs, deep table (${deepDescription(database, c)}), concurrency ${c.deepConcurrency} (jobs/s)`,
      scenario: "deep-drain",
      variant: "deep",
      kind: "rate",
    },
  );
  return rows;
}

export function deepDescription(database: DatabaseId, c: Counts): string {
  return database === "sqlite"
    ? `${fmtInt(c.sqliteDeepFuture)} future-scheduled rows`
    : `${fmtInt(c.serverDeepHistory)} completed + ${fmtInt(c.serverDeepFuture)} future-scheduled rows`;
}

function cell(m: Measurement | undefined, spec: RowSpec, rowJobs: number): string {
  if (m === undefined) return "—";
  if (m.error !== undefined) return "error¹";
  let text =
    spec.kind === "latency"
      ? m.latency === undefined
        ? "—"
        : `${formatMs(m.latency.p50)} / ${formatMs(m.latency.p95)} / ${formatMs(m.latency.p99)}`
      : formatRate(m.jobsPerSecond ?? Number.NaN);
  if (m.of !== undefined) {
    text += ` (partial: ${fmtInt(m.jobs)} of ${fmtInt(m.of)} jobs in ${((m.budgetMs ?? 0) / 1000).toFixed(0)} s³)`;
  } else if (m.jobs !== rowJobs) {
    text += ` (${fmtInt(m.jobs)} jobs²)`;
  }
  return text;
}

function value(m: Measurement | undefined, spec: RowSpec): number | undefined {
  if (m === undefined || m.error !== undefined) return undefined;
  return spec.kind === "latency" ? m.latency?.p50 : m.jobsPerSecond;
}

function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: string[],
): string {
  const lines = [`| ${header.join(" | ")} |`, `|${align.join("|")}|`];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  return lines.join("\n");
}

/** The table of one database: absolute figures per system, then Docket ÷ each peer. */
export function renderDatabaseTable(
  section: DatabaseSection,
  results: Results,
  counts: Counts,
): string {
  const { database, systems } = section;
  const docket = systems.find((s) => s.id === "docket");
  const peers = systems.filter((s) => s.id !== "docket");
  const header = [
    "Scenario",
    ...systems.map((s) => s.label),
    ...peers.map((p) => `Docket ÷ ${p.label.split(" ")[0]}`),
  ];
  const align = [":--", ...systems.map(() => "--:"), ...peers.map(() => "--:")];
  const rows: string[][] = [];
  for (const spec of rowSpecs(database, counts)) {
    const measured = systems.map((s) => results.find(database, spec.scenario, spec.variant, s.id));
    if (measured.every((m) => m === undefined)) continue;
    const rowJobs = spec.variant.startsWith("realistic")
      ? counts.realistic
      : defaultJobs(spec.scenario, counts);
    const cells = measured.map((m) => cell(m, spec, rowJobs));
    const docketValue = docket === undefined ? undefined : value(measured[0], spec);
    const ratios = peers.map((p) =>
      formatRatio(
        ratio(docketValue, value(results.find(database, spec.scenario, spec.variant, p.id), spec)),
      ),
    );
    rows.push([spec.label, ...cells, ...ratios]);
  }

  // Derived ratios, each against a baseline measured in this run.
  const blankPeers = peers.map(() => "");
  const deepRatios = systems.map((s) =>
    formatRatio(
      ratio(
        results.rate(database, "deep-drain", "deep", s.id),
        results.rate(database, "deep-drain", "empty", s.id),
      ),
    ),
  );
  if (deepRatios.some((r) => r !== "—")) {
    rows.push([
      "**Deep ÷ empty table** (same system, same concurrency)",
      ...deepRatios,
      ...blankPeers,
    ]);
  }
  for (const [index, limit] of counts.bareClaimLimits.entries()) {
    const concurrency = counts.drainConcurrencies[index];
    const bare = results.rate(database, "bare-floor", `claim${limit}`, "docket");
    const worker = results.rate(database, "drain", `c${concurrency}`, "docket");
    if (bare === undefined || worker === undefined) continue;
    rows.push([
      `**Docket worker drain at concurrency ${concurrency} ÷ bare loop with claim limit ${limit}** (worker overhead)`,
      ...systems.map((s) => (s.id === "docket" ? formatRatio(ratio(worker, bare)) : "")),
      ...blankPeers,
    ]);
  }
  if (database === "mysql") {
    const variants: [ScenarioId, string, string][] = [
      ...counts.drainConcurrencies.map((c): [ScenarioId, string, string] => [
        "drain",
        `c${c}`,
        `drain at concurrency ${c}`,
      ]),
      [
        "drain-processes",
        `${counts.processes}x${counts.processConcurrency}`,
        `drain with ${counts.processes} processes`,
      ],
    ];
    for (const [scenario, variant, what] of variants) {
      const mysqlRate = results.rate("mysql", scenario, variant, "docket");
      const postgresRate = results.rate("postgres", scenario, variant, "docket");
      if (mysqlRate === undefined || postgresRate === undefined) continue;
      rows.push([
        `**Docket on MySQL ÷ Docket on PostgreSQL**, ${what} (PostgreSQL: ${formatRate(postgresRate)} jobs/s)`,
        formatRatio(ratio(mysqlRate, postgresRate)),
      ]);
    }
  }
  return markdownTable(header, rows, align);
}

/** The job count of a scenario's row; a system that ran fewer gets a footnote. */
function defaultJobs(scenario: ScenarioId, counts: Counts): number {
  switch (scenario) {
    case "enqueue-sequential":
      return counts.sequentialEnqueue;
    case "enqueue-batch":
      return counts.batchEnqueue;
    case "drain":
    case "drain-processes":
    case "bare-floor":
      return counts.drain;
    case "latency":
      return counts.latency;
    case "deep-drain":
      return counts.deepDue;
  }
}

/** Notes under a table: settings, caps, errors, machine load. */
export function renderNotes(section: DatabaseSection, results: Results, counts: Counts): string {
  const notes: string[] = [];
  notes.push(
    "Ratios: for jobs/s, > 1× means Docket is faster; for latency (ratio of p50), < 1× means Docket is faster.",
  );
  for (const system of section.systems) for (const line of system.settings) notes.push(line);
  const mine = results.measurements.filter((m) => m.database === section.database);
  const failed = mine.filter((m) => m.error !== undefined);
  for (const m of failed) notes.push(`¹ ${m.system} ${m.scenario} ${m.variant}: ${m.error}`);
  if (
    mine.some(
      (m) =>
        m.error === undefined && m.of === undefined && m.jobs !== defaultJobs(m.scenario, counts),
    )
  ) {
    notes.push(
      "² fewer jobs than the row's count: this system polls (or waits out its polling interval after every fetch), so the full count would take minutes; the rate or percentile is from the count shown.",
    );
  }
  if (mine.some((m) => m.of !== undefined)) {
    notes.push(
      "³ partial: the drain did not finish within its time budget; the rate is over the jobs handled by then (the remaining jobs were left in the table).",
    );
  }
  for (const m of mine) {
    if ((m.duplicates ?? 0) > 0)
      notes.push(`${m.system} ${m.scenario} ${m.variant}: ${m.duplicates} jobs ran twice`);
    if ((m.loggedErrors?.length ?? 0) > 0) {
      const kinds = [...new Set(m.loggedErrors)].join(", ");
      notes.push(
        `${m.system} ${m.scenario} ${m.variant}: the worker logged ${m.loggedErrors?.length} errors (${kinds})`,
      );
    }
  }
  notes.push(
    `Machine load average (1 min) ${section.load.start.toFixed(2)} at the start of this section, ${section.load.end.toFixed(2)} at its end; section took ${(section.durationMs / 1000).toFixed(0)} s.`,
  );
  return notes.map((note) => `- ${note}`).join("\n");
}

export interface TargetResult {
  database: DatabaseId;
  description: string;
  measured: number;
  required: number;
  comparison: ">=" | "<=";
  unit: "×" | " ms";
  status: "PASS" | "MISS" | "n/a";
  /** How far above (PASS) or below (MISS) the target, relative to it. */
  margin: number;
}

function target(
  database: DatabaseId,
  description: string,
  measured: number,
  comparison: ">=" | "<=",
  required: number,
  unit: "×" | " ms" = "×",
): TargetResult {
  if (!Number.isFinite(measured)) {
    return {
      database,
      description,
      measured,
      required,
      comparison,
      unit,
      status: "n/a",
      margin: Number.NaN,
    };
  }
  const pass = comparison === ">=" ? measured >= required : measured <= required;
  const margin = comparison === ">=" ? measured / required - 1 : required / measured - 1;
  return {
    database,
    description,
    measured,
    required,
    comparison,
    unit,
    status: pass ? "PASS" : "MISS",
    margin,
  };
}

/**
 * The targets of issue 13, for the databases that were run. Every target is a ratio
 * against a baseline measured in the same run. The defaults run (`--prefetch 0`) checks
 * the defaults targets; a `--prefetch N` run checks the throughput-mode targets (peer:
 * graphile-worker with a local queue of the same size); both check the rest.
 */
export function evaluateTargets(
  results: Results,
  databases: readonly DatabaseId[],
  counts: Counts,
  prefetch = 0,
): TargetResult[] {
  const targets: TargetResult[] = [];
  const r = (db: DatabaseId, s: ScenarioId, v: string, sys: SystemId) =>
    results.rate(db, s, v, sys);
  const processes = `${counts.processes}x${counts.processConcurrency}`;
  const mode = prefetch > 0 ? `prefetch ${prefetch}` : "defaults";
  const peerMode =
    prefetch > 0 ? `graphile-worker with localQueue ${prefetch}` : "graphile-worker defaults";
  const vsGraphile = (scenario: ScenarioId, variant: string) =>
    ratio(
      r("postgres", scenario, variant, "docket"),
      r("postgres", scenario, variant, "graphile-worker"),
    );
  if (databases.includes("sqlite")) {
    targets.push(
      target(
        "sqlite",
        `Drain at concurrency 1 (${mode}) ≥ 2× plainjob's`,
        ratio(r("sqlite", "drain", "c1", "docket"), r("sqlite", "drain", "c1", "plainjob")),
        ">=",
        2,
      ),
    );
    counts.drainConcurrencies.forEach((c, i) => {
      const limit = counts.bareClaimLimits[i] ?? c;
      targets.push(
        target(
          "sqlite",
          `Worker drain at concurrency ${c} ≥ 0.8× the bare claim(${limit})/complete loop`,
          ratio(
            r("sqlite", "drain", `c${c}`, "docket"),
            r("sqlite", "bare-floor", `claim${limit}`, "docket"),
          ),
          ">=",
          0.8,
        ),
      );
    });
  }
  if (databases.includes("postgres")) {
    if (prefetch === 0) {
      for (const [c, required] of [
        [1, 1.5],
        [10, 3],
      ] as const) {
        targets.push(
          target(
            "postgres",
            `Drain at concurrency ${c}, Docket defaults ≥ ${required}× ${peerMode}`,
            vsGraphile("drain", `c${c}`),
            ">=",
            required,
          ),
        );
      }
    } else {
      targets.push(
        target(
          "postgres",
          `Drain at concurrency 10, ${mode} ≥ 1.25× ${peerMode}`,
          vsGraphile("drain", "c10"),
          ">=",
          1.25,
        ),
        target(
          "postgres",
          `Drain with ${counts.processes} processes × ${counts.processConcurrency}, ${mode} ≥ 1.25× ${peerMode}`,
          vsGraphile("drain-processes", processes),
          ">=",
          1.25,
        ),
      );
    }
    targets.push(
      target(
        "postgres",
        `Drain at concurrency 10, ${mode} + \`deleteJobOnCompletion: true\` ≥ 1.25× ${peerMode} (like for like: no history)`,
        vsGraphile("drain", "c10-delete"),
        ">=",
        1.25,
      ),
      target(
        "postgres",
        `Drain with ${counts.processes} processes × ${counts.processConcurrency}, ${mode} + \`deleteJobOnCompletion: true\` ≥ 1.25× ${peerMode}`,
        vsGraphile("drain-processes", `${processes}-delete`),
        ">=",
        1.25,
      ),
      target(
        "postgres",
        "Latency p50 ≤ 0.8× graphile-worker's (worker in another process, both woken by NOTIFY)",
        ratio(
          results.p50("postgres", "other-process", "docket"),
          results.p50("postgres", "other-process", "graphile-worker"),
        ),
        "<=",
        0.8,
      ),
      target(
        "postgres",
        "Cold table (never analyzed) drain ≥ 0.9× the analyzed drain (concurrency 10)",
        ratio(
          r("postgres", "drain", "c10-cold", "docket"),
          r("postgres", "drain", "c10", "docket"),
        ),
        ">=",
        0.9,
      ),
      target(
        "postgres",
        `Realistic (5 ms awaited I/O), concurrency ${counts.realisticConcurrency}, one process ≥ 1× graphile-worker's`,
        vsGraphile("drain", `realistic-c${counts.realisticConcurrency}`),
        ">=",
        1,
      ),
      target(
        "postgres",
        `Realistic (5 ms awaited I/O), ${counts.processes} processes × ${counts.realisticConcurrency} ≥ 1× graphile-worker's`,
        vsGraphile(
          "drain-processes",
          `realistic-${counts.processes}x${counts.realisticConcurrency}`,
        ),
        ">=",
        1,
      ),
    );
  }
  if (databases.includes("mysql")) {
    for (const c of counts.drainConcurrencies) {
      targets.push(
        target(
          "mysql",
          `Drain at concurrency ${c} ≥ 0.7× Docket-on-PostgreSQL's`,
          ratio(r("mysql", "drain", `c${c}`, "docket"), r("postgres", "drain", `c${c}`, "docket")),
          ">=",
          0.7,
        ),
      );
    }
    targets.push(
      target(
        "mysql",
        `Drain with ${counts.processes} processes ≥ 0.7× Docket-on-PostgreSQL's`,
        ratio(
          r("mysql", "drain-processes", processes, "docket"),
          r("postgres", "drain-processes", processes, "docket"),
        ),
        ">=",
        0.7,
      ),
      target(
        "mysql",
        "Deep-table drain ≥ 0.9× empty-table drain",
        ratio(
          r("mysql", "deep-drain", "deep", "docket"),
          r("mysql", "deep-drain", "empty", "docket"),
        ),
        ">=",
        0.9,
      ),
    );
  }
  return targets;
}

export function renderTargets(targets: readonly TargetResult[]): string {
  const rows = targets.map((t) => {
    const measured = t.unit === " ms" ? `${formatMs(t.measured)} ms` : formatRatio(t.measured);
    const required = `${t.comparison === ">=" ? "≥" : "≤"} ${t.unit === " ms" ? `${t.required} ms` : `${t.required}×`}`;
    const off = Math.abs(t.measured / t.required - 1) * 100;
    const by = !Number.isFinite(t.measured)
      ? "not measured"
      : t.comparison === ">="
        ? `${off.toFixed(0)}% ${t.measured >= t.required ? "above" : "below"} the target`
        : `${off.toFixed(0)}% ${t.measured <= t.required ? "under" : "over"} the limit`;
    return [DATABASE_TITLES[t.database], t.description, measured, required, `**${t.status}**`, by];
  });
  return markdownTable(["Database", "Target", "Measured", "Required", "Result", "By"], rows, [
    ":--",
    ":--",
    "--:",
    "--:",
    ":-:",
    ":--",
  ]);
}

export function databaseTitle(database: DatabaseId): string {
  return DATABASE_TITLES[database];
}
