/**
 * Worker processes seen from the experiment: spawning (`node --import tsx`), waiting for
 * their lines, stopping them gracefully, killing them. Every process spawned is tracked
 * until it exits, so `killAllChildren()` (run after every experiment, pass or fail) leaves
 * no orphan behind.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  CHILD_DONE,
  CHILD_READY,
  type ChildConfig,
  PARENT_GO,
  PARENT_STOP,
} from "./child-protocol.ts";

const CHILD_ENTRY = fileURLToPath(new URL("./worker-process.ts", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
/** Starting tsx and the drivers takes seconds on a small, shared machine. */
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 60_000;
/** How much of a child's stderr to keep for error messages. */
const STDERR_TAIL = 4_000;

const running = new Set<WorkerProcess>();

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

export class WorkerProcess {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  exit: ExitInfo | null = null;
  /** Set when the experiment killed this process on purpose. */
  killedAt: number | null = null;
  /** Set once the experiment started a process in place of this dead one. */
  replaced = false;
  private readonly child: ChildProcess;
  private readonly lineWaiters = new Map<string, () => void>();
  private readonly linesSeen = new Set<string>();
  private stderr = "";

  constructor(config: ChildConfig) {
    this.child = spawn(process.execPath, ["--import", "tsx", CHILD_ENTRY, JSON.stringify(config)], {
      cwd: PACKAGE_DIR,
      stdio: ["pipe", "pipe", "pipe"],
    });
    if (this.child.pid === undefined) throw new Error("could not spawn a worker process");
    this.pid = this.child.pid;
    running.add(this);
    let stdout = "";
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (chunk: string) => {
      stdout += chunk;
      const lines = stdout.split("\n");
      stdout = lines.pop() ?? "";
      for (const line of lines) {
        this.linesSeen.add(line);
        this.lineWaiters.get(line)?.();
      }
    });
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL);
    });
    // Writing to a child that just died must not crash the experiment.
    this.child.stdin!.on("error", () => {});
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        running.delete(this);
        resolve(this.exit);
      });
    });
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** Alive and its worker started (it printed `ready`). */
  get working(): boolean {
    return this.alive && this.linesSeen.has(CHILD_READY);
  }

  /** Resolves when the child printed `line`; rejects if it exits first or takes too long. */
  waitForLine(line: string, timeoutMs: number): Promise<void> {
    if (this.linesSeen.has(line)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker ${this.pid}: no "${line}" after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.lineWaiters.set(line, () => {
        clearTimeout(timer);
        resolve();
      });
      void this.exited.then((exit) => {
        clearTimeout(timer);
        reject(
          new Error(
            `worker ${this.pid} exited (code ${exit.code}, signal ${exit.signal}) before "${line}"; stderr: ${this.stderr}`,
          ),
        );
      });
    });
  }

  ready(): Promise<void> {
    return this.waitForLine(CHILD_READY, READY_TIMEOUT_MS);
  }

  go(): void {
    this.child.stdin!.write(`${PARENT_GO}\n`);
  }

  /** Stops gracefully (the worker finishes what it runs) and waits for a clean exit. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const done = this.waitForLine(CHILD_DONE, STOP_TIMEOUT_MS);
    this.child.stdin!.write(`${PARENT_STOP}\n`);
    await done;
    await this.exited;
  }

  /** Waits for `done` and a clean exit (roles that end by themselves). */
  async finished(): Promise<void> {
    await this.waitForLine(CHILD_DONE, STOP_TIMEOUT_MS);
    const exit = await this.exited;
    if (exit.code !== 0)
      throw new Error(`worker ${this.pid} exited with ${exit.code}: ${this.stderr}`);
  }

  /** SIGKILL, recorded as a death the experiment caused. */
  kill(): void {
    if (!this.alive) return;
    this.killedAt = Date.now();
    this.child.kill("SIGKILL");
  }

  stderrTail(): string {
    return this.stderr;
  }
}

/** SIGKILLs every worker process still running and waits for them to be gone. */
export async function killAllChildren(): Promise<void> {
  const all = [...running];
  for (const child of all) child.kill();
  await Promise.all(all.map((child) => child.exited));
}

// A parent that ends for any reason takes its children along (they also exit when their
// stdin closes and at their time limit).
process.once("exit", () => {
  for (const child of running) child.kill();
});
