import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import { queueWorkerAddJob } from "@docket/core";
import { afterAll, describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "..", "bin", "docket.js");

/** `docket dashboard`, run as the real binary in a child process. */
describe("docket dashboard", () => {
  const directory = mkdtempSync(join(tmpdir(), "docket-cli-dashboard-"));
  const db = `sqlite:${join(directory, "jobs.db")}`;
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  async function seed(): Promise<void> {
    const adapter = createSqliteAdapter({ filename: join(directory, "jobs.db") });
    await adapter.migrate();
    await queueWorkerAddJob(adapter, { name: "cli.dashboard.job" });
    await adapter.close();
  }

  /** Starts the command; resolves with the URL it prints on stdout. */
  function start(args: string[]): { child: ChildProcess; url: Promise<string> } {
    const child = spawn(process.execPath, [BIN, "--db", db, "dashboard", ...args], {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (chunk) => {
      stderr += chunk;
    });
    const url = new Promise<string>((resolve, reject) => {
      child.stdout!.on("data", (chunk) => {
        stdout += chunk;
        const line = stdout.split("\n").find((l) => l.startsWith("http://"));
        if (line !== undefined) resolve(line.trim());
      });
      child.on("exit", (code) => reject(new Error(`exited ${code} before a URL: ${stderr}`)));
    });
    return { child, url };
  }

  function exitCode(child: ChildProcess): Promise<number | null> {
    return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  }

  it("serves the dashboard on 127.0.0.1 and stops on SIGTERM with exit code 0", async () => {
    await seed();
    const { child, url } = start(["--port", "0"]);
    const exited = exitCode(child);
    try {
      const base = await url;
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/);
      const page = await fetch(`${base}/jobs`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("cli.dashboard.job");
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it("--read-only refuses actions; --base-path serves under the path", async () => {
    await seed();
    const { child, url } = start(["--port", "0", "--read-only", "--base-path", "/ops"]);
    const exited = exitCode(child);
    try {
      const base = await url;
      expect(base.endsWith("/ops")).toBe(true);
      const page = await fetch(base);
      expect(await page.text()).toContain("read-only");
      expect((await fetch(`${base}/jobs/1/delete`, { method: "POST" })).status).toBe(403);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it("rejects a bad port as a usage error (exit 2)", async () => {
    const child = spawn(process.execPath, [BIN, "--db", db, "dashboard", "--port", "70000"], {
      stdio: "ignore",
    });
    expect(await exitCode(child)).toBe(2);
  });
});
