import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { createSqliteAdapter } from "../src/index.ts";
import { uniqueTableName } from "./sqlite-harness.ts";

const here = dirname(fileURLToPath(import.meta.url));
const CHILD_SCRIPT = join(here, "fixtures", "drain-child.ts");
const CHILDREN = 3;
const JOBS = 2000;
/** Each child exits on its own after this long, whatever happens. */
const CHILD_TIME_LIMIT_MS = 90_000;

const directory = mkdtempSync(join(tmpdir(), "docket-sqlite-mp-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface ChildReport {
  label: string;
  completed: number[];
  errors: string[];
}

interface RunningChild {
  process: ChildProcess;
  ready: Promise<void>;
  report: Promise<{ report: ChildReport | null; exitCode: number | null; stderr: string }>;
}

function startChild(
  filename: string,
  table: string,
  label: string,
  mode: "seam" | "worker",
): RunningChild {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", CHILD_SCRIPT, filename, table, label, String(CHILD_TIME_LIMIT_MS), mode],
    { cwd: join(here, ".."), stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes("ready\n")) markReady();
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const report = new Promise<{
    report: ChildReport | null;
    exitCode: number | null;
    stderr: string;
  }>((resolve) => {
    child.on("close", (exitCode) => {
      markReady(); // never leave the parent waiting on a child that died early
      const line = stdout.split("\n").find((l) => l.startsWith("{"));
      resolve({ report: line ? (JSON.parse(line) as ChildReport) : null, exitCode, stderr });
    });
  });
  return { process: child, ready, report };
}

describe("sqlite adapter: several processes on one file", () => {
  it("drains 2,000 jobs through the seam from concurrent processes, each job completed exactly once, no errors", async () => {
    await drainFromChildren("seam");
  }, 120_000);

  it("drains 2,000 jobs with a real worker in each process, each job handled exactly once, no errors", async () => {
    await drainFromChildren("worker");
  }, 120_000);
});

async function drainFromChildren(mode: "seam" | "worker"): Promise<void> {
  const filename = join(directory, `queue-${mode}.db`);
  const table = uniqueTableName();
  const adapter = createSqliteAdapter({ filename, tableName: table });
  await adapter.migrate();
  const ids = await adapter.enqueue(
    Array.from({ length: JOBS }, (_, i) => ({
      name: "drain",
      dataJson: JSON.stringify({ i }),
      priority: i % 3,
      scheduledAt: null,
      handlerTimeout: null,
    })),
  );

  const children = Array.from({ length: CHILDREN }, (_, i) =>
    startChild(filename, table, `child${i}`, mode),
  );
  await Promise.all(children.map((child) => child.ready));
  for (const child of children) child.process.stdin!.end("go\n");
  const results = await Promise.all(children.map((child) => child.report));

  for (const result of results) {
    expect(result.report, `child gave no report; stderr: ${result.stderr}`).not.toBeNull();
    expect(result.report!.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
  }
  const completed = results.flatMap((result) => result.report!.completed);
  expect(new Set(completed).size).toBe(completed.length);
  expect([...completed].sort((a, b) => a - b)).toEqual(ids);

  const db = adapter.db as Database.Database;
  const row = db
    .prepare(`SELECT count(*) AS n FROM ${table} WHERE is_complete = 1 AND failed_at IS NULL`)
    .get() as { n: number };
  expect(row.n).toBe(JOBS);
  await adapter.close();
}
