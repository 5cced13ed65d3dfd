/**
 * A worker in its own process (`node --import tsx worker-process.ts`), driven over IPC by
 * `pool.ts`: `init` attaches to the queue the parent set up, `start` starts one worker,
 * `stop` stops it and exits. Drain progress is reported every 20 ms; latency jobs at once.
 */
import type { BenchJob, BenchSystem, RunningWorker } from "../system.ts";
import { DocketSystem } from "../systems/docket.ts";
import { createSystem } from "../systems/index.ts";
import type { FromChild, ToChild } from "./messages.ts";

const FLUSH_INTERVAL_MS = 20;

let system: BenchSystem | undefined;
let worker: RunningWorker | undefined;
let init: Extract<ToChild, { type: "init" }> | undefined;
const pending: number[] = [];
let flushTimer: NodeJS.Timeout | undefined;

function send(message: FromChild): void {
  process.send?.(message);
}

function flush(): void {
  if (pending.length > 0) send({ type: "jobs", seqs: pending.splice(0) });
}

async function handle(message: ToChild): Promise<void> {
  switch (message.type) {
    case "init": {
      init = message;
      system = createSystem(message.system, message.database, message.env);
      if (system.attach === undefined)
        throw new Error(`${message.system} cannot run in a child process`);
      await system.attach(message.state);
      send({ type: "ready" });
      return;
    }
    case "start": {
      if (system === undefined || init === undefined) throw new Error("start before init");
      const latency = init.purpose === "latency";
      if (!latency) flushTimer = setInterval(flush, FLUSH_INTERVAL_MS);
      worker = await system.startWorker({
        concurrency: init.concurrency,
        purpose: init.purpose,
        onJob: latency
          ? (job: BenchJob, startedAt: bigint) => send({ type: "job", seq: job.seq, startedAt })
          : (job: BenchJob) => {
              pending.push(job.seq);
            },
      });
      send({ type: "started" });
      return;
    }
    case "stop": {
      await worker?.stop();
      clearInterval(flushTimer);
      flush();
      await system?.detach?.();
      const loggedErrors = system instanceof DocketSystem ? system.loggedErrors : [];
      send({ type: "stopped", loggedErrors });
      process.disconnect?.();
      return;
    }
  }
}

process.on("message", (message: ToChild) => {
  handle(message).catch((error: unknown) => {
    send({
      type: "failed",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exitCode = 1;
    process.disconnect?.();
  });
});
