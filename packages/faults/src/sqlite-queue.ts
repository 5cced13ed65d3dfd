/**
 * SQLite: a database file in the experiment's temp directory. The outage is a second
 * process holding the write lock (`BEGIN IMMEDIATE`) for longer than the adapter's
 * `busy_timeout`, so claims, heartbeats and result writes fail with `SQLITE_BUSY` until
 * it lets go.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import { uniqueTableName } from "@docket/core/testing";
import type { Backend, FaultQueue, Outage } from "./fault-queue.ts";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
/** Longer than the adapter's default `busy_timeout` (5 s), so the workers' statements fail. */
export const SQLITE_LOCK_HOLD_MS = 6_000;

/**
 * The lock holder, run by plain `node -e` (no TypeScript loader to start, so the lock is
 * taken within a fraction of a second): `BEGIN IMMEDIATE`, hold, `COMMIT`, say `released`.
 */
const LOCK_HOLDER = `
const Database = require("better-sqlite3");
const [filename, holdMs] = process.argv.slice(1);
const db = new Database(filename, { timeout: 30000 });
db.exec("BEGIN IMMEDIATE");
process.stdout.write("locked\\n");
setTimeout(() => {
  db.exec("COMMIT");
  db.close();
  process.stdout.write("released\\n");
  process.exit(0);
}, Number(holdMs));
`;

export const sqliteBackend: Backend = {
  dialect: "sqlite",
  url: "file",
  async createQueue(): Promise<FaultQueue> {
    const directory = mkdtempSync(join(tmpdir(), "docket-faults-"));
    const filename = join(directory, "queue.db");
    const tableName = uniqueTableName();
    const adapter = createSqliteAdapter({ filename, tableName });
    await adapter.migrate();
    return {
      dialect: "sqlite",
      target: { dialect: "sqlite", filename, tableName },
      adapter,
      directory,
      outage: () => holdWriteLock(filename, SQLITE_LOCK_HOLD_MS),
      async dispose() {
        await adapter.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  },
};

/** Runs the lock holder; resolves when it has committed and exited. */
function holdWriteLock(filename: string, holdMs: number): Promise<Outage> {
  const child = spawn(process.execPath, ["-e", LOCK_HOLDER, filename, String(holdMs)], {
    cwd: PACKAGE_DIR,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), holdMs + 60_000);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      clearTimeout(killer);
      if (code === 0 && stdout.includes("released")) {
        resolve({ description: `write lock held ${holdMs} ms`, endedAt: Date.now() });
      } else {
        reject(new Error(`lock holder exited with ${code}: ${stderr}`));
      }
    });
  });
}
