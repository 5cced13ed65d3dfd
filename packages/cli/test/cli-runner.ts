import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The real binary, run as a child process the way a shell runs it. */
export const BIN = fileURLToPath(new URL("../bin/docket.js", import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ReturnType<typeof spawn>;
  stdout(): string;
  stderr(): string;
  done: Promise<CliRun>;
}

/** Starts `docket ...args` with `NO_COLOR` set and no inherited database variable. */
export function startDocket(args: readonly string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const { DOCKET_DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...inherited, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

export function runDocket(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return startDocket(args, env).done;
}
