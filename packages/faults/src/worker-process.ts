/**
 * A worker process for the experiments: `node --import tsx worker-process.ts '<ChildConfig>'`.
 * Opens its own adapter on the queue and then, by role:
 * - `worker`: runs a real worker (`queueWorkerCreate`) whose `fault.work` handler writes
 *   the ledger before and after its work; prints `ready` once started; on `stop` (stdin)
 *   stops the worker, closes the adapter and prints `done`;
 * - `cron`: migrates the table (concurrently with the others), prints `ready`; then per
 *   round waits for `go`, registers that round's cron jobs and prints `registered <round>`;
 *   prints `done` after the last.
 * It exits when its parent goes away (stdin closes) and after its time limit, so no
 * experiment can leave a process behind. Worker errors (logged, never fatal) go to
 * `errors-<pid>.log` in the experiment's directory.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { queueWorkerCreate, queueWorkerRegisterCronJobs, type StorageAdapter } from "@docket/core";
import {
  CHILD_DONE,
  CHILD_READY,
  type ChildConfig,
  type CronRole,
  EXIT_ON_PURPOSE,
  EXIT_TIME_LIMIT,
  PARENT_GO,
  PARENT_STOP,
  WORK_JOB,
  type WorkData,
  type WorkerRole,
} from "./child-protocol.ts";
import { LedgerWriter } from "./ledger.ts";
import { openAdapter } from "./target.ts";

const config = JSON.parse(process.argv[2] ?? "{}") as ChildConfig;
const errorLog = join(config.directory, `errors-${process.pid}.log`);

setTimeout(() => process.exit(EXIT_TIME_LIMIT), config.timeLimitMs).unref();

/**
 * Lines from the parent; the stream ending means the parent is gone. A line that arrives
 * before anything waits for it (a `stop` sent while this process was still starting) is
 * kept, not dropped.
 */
const commands = new Map<string, () => void>();
const received = new Map<string, number>();
let stdinBuffer = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  stdinBuffer += chunk;
  const lines = stdinBuffer.split("\n");
  stdinBuffer = lines.pop() ?? "";
  for (const line of lines.map((l) => l.trim())) {
    const waiting = commands.get(line);
    if (waiting === undefined) {
      received.set(line, (received.get(line) ?? 0) + 1);
    } else {
      commands.delete(line);
      waiting();
    }
  }
});
process.stdin.on("end", () => process.exit(1));

/** Resolves at the next `name` line from the parent (or at once for one already received). */
function command(name: string): Promise<void> {
  const early = received.get(name) ?? 0;
  if (early > 0) {
    received.set(name, early - 1);
    return Promise.resolve();
  }
  return new Promise((resolve) => commands.set(name, resolve));
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function logError(entry: Record<string, unknown>): void {
  appendFileSync(errorLog, `${JSON.stringify(entry)}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runWorker(adapter: StorageAdapter, role: WorkerRole): Promise<void> {
  const ledger = new LedgerWriter(config.directory);
  const worker = queueWorkerCreate(adapter, {
    parallelCount: role.parallelCount,
    leaseMs: role.leaseMs,
    maxRetryCount: role.maxRetryCount,
    pollInterval: role.pollInterval,
    logger: { info: () => {}, error: logError },
    handler: {
      [WORK_JOB]: async (_event, _db, job) => {
        const data = job.data as unknown as WorkData;
        ledger.write("start", job.id);
        if (data.exit === "now") process.exit(EXIT_ON_PURPOSE);
        await sleep(data.ms);
        if (data.exit === "later") process.exit(EXIT_ON_PURPOSE);
        ledger.write("end", job.id);
      },
    },
  });
  const stop = command(PARENT_STOP);
  worker.start();
  say(CHILD_READY);
  await stop;
  await worker.stop();
  ledger.close();
}

async function runCron(adapter: StorageAdapter, role: CronRole): Promise<void> {
  await adapter.migrate();
  for (const [round, jobs] of role.rounds.entries()) {
    const go = command(PARENT_GO);
    if (round === 0) say(CHILD_READY);
    await go;
    await queueWorkerRegisterCronJobs(adapter, { jobs });
    say(`registered ${round}`);
  }
}

async function main(): Promise<void> {
  const adapter = await openAdapter(config.target);
  try {
    if (config.work.role === "worker") await runWorker(adapter, config.work);
    else await runCron(adapter, config.work);
  } finally {
    await adapter.close();
  }
  say(CHILD_DONE);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`worker process failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
