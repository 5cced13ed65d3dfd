import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "@docket/core/testing";
import { describe, expect, it } from "vitest";
import { parseDatabaseUrl } from "../src/connection.ts";
import { colorsFor, renderTable } from "../src/output.ts";
import { runDocket, startDocket } from "./cli-runner.ts";

describe("docket cli: usage and output", { timeout: 120_000 }, () => {
  it("exits 2 without a database, on unknown commands and options; 0 for --help", async () => {
    const noDb = await runDocket(["ls"]);
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toContain("DOCKET_DATABASE_URL");
    const bad = await runDocket(["--db", "redis://x", "ls"]);
    expect(bad.code).toBe(2);
    expect((await runDocket(["frobnicate"])).code).toBe(2);
    expect((await runDocket(["ls", "--colour"])).code).toBe(2);
    const help = await runDocket(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Exit codes");
  });

  it("exits 1 when the database cannot be reached", async () => {
    const run = await runDocket(["ls"], {
      DOCKET_DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^docket: /);
  });

  it("insights --watch prints a JSON line per refresh and stops on SIGINT with exit 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "docket-cli-watch-"));
    try {
      const env = { DOCKET_DATABASE_URL: `sqlite:${join(dir, "jobs.db")}` };
      expect((await runDocket(["migrate"], env)).code).toBe(0);
      const watch = startDocket(["insights", "--watch", "1", "--json"], env);
      await waitFor(() => watch.stdout().split("\n").length > 2, {
        timeoutMs: 60_000,
        what: "two refreshes",
      });
      watch.child.kill("SIGINT");
      const run = await watch.done;
      expect(run.code).toBe(0);
      const first = JSON.parse(run.stdout.split("\n")[0]!);
      expect(first.totals).toEqual({
        pending: 0,
        scheduled: 0,
        running: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parses the database URL forms", () => {
    expect(parseDatabaseUrl("sqlite:./jobs.db")).toEqual({ kind: "sqlite", filename: "./jobs.db" });
    expect(parseDatabaseUrl("sqlite:///var/jobs.db")).toEqual({
      kind: "sqlite",
      filename: "/var/jobs.db",
    });
    expect(parseDatabaseUrl("postgresql://u@h/d")).toMatchObject({ kind: "postgres" });
    expect(parseDatabaseUrl("mariadb://u@h/d")).toEqual({ kind: "mysql", uri: "mysql://u@h/d" });
    expect(() => parseDatabaseUrl("sqlite:")).toThrow(/sqlite:/);
  });

  it("colours only on a terminal and never with NO_COLOR", () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const pipe = { isTTY: false } as NodeJS.WriteStream;
    expect(colorsFor(tty, {}).red("x")).toBe("\u001b[31mx\u001b[0m");
    expect(colorsFor(tty, { NO_COLOR: "1" }).red("x")).toBe("x");
    expect(colorsFor(pipe, {}).red("x")).toBe("x");
  });

  it("aligns table columns ignoring colour codes", () => {
    const red = colorsFor({ isTTY: true } as NodeJS.WriteStream, {}).red;
    const lines = renderTable(
      ["A", "B"],
      [
        [red("xx"), "1"],
        ["y", "22"],
      ],
    );
    expect(
      lines.map((line) => line.replaceAll("\u001b[31m", "").replaceAll("\u001b[0m", "")),
    ).toEqual(["A   B", "xx  1", "y   22"]);
  });
});
