import { describe, expect, it } from "vitest";
import { parseDatabaseUrl } from "../src/connection.ts";
import { colorsFor, renderTable } from "../src/output.ts";
import { runDocket } from "./cli-runner.ts";

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
