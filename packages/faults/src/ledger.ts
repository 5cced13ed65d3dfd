/**
 * The ledger: what handlers actually did, kept outside the queue so every check is
 * independent of Docket's own bookkeeping. Each worker process appends to its own file
 * (`ledger-<pid>.log` in the experiment's directory) one line when a handler starts and one
 * when it ends, each written and fsynced before the handler goes on — so a line survives
 * the process being killed the next instant.
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface LedgerRecord {
  kind: "start" | "end";
  jobId: number;
  pid: number;
  /** `Date.now()` when the line was written. */
  at: number;
}

/** One process's append-only ledger file. */
export class LedgerWriter {
  private readonly fd: number;

  constructor(directory: string) {
    this.fd = openSync(join(directory, `ledger-${process.pid}.log`), "a");
  }

  write(kind: LedgerRecord["kind"], jobId: number): void {
    writeSync(this.fd, `${kind} ${jobId} ${process.pid} ${Date.now()}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Every record of every process in `directory`. A torn last line (never expected) is skipped. */
export function readLedger(directory: string): LedgerRecord[] {
  const records: LedgerRecord[] = [];
  for (const file of readdirSync(directory)) {
    if (!file.startsWith("ledger-")) continue;
    for (const line of readFileSync(join(directory, file), "utf8").split("\n")) {
      const [kind, jobId, pid, at] = line.split(" ");
      if ((kind !== "start" && kind !== "end") || at === undefined) continue;
      records.push({ kind, jobId: Number(jobId), pid: Number(pid), at: Number(at) });
    }
  }
  return records.sort((a, b) => a.at - b.at);
}

/** One handler run as the ledger saw it: its start, and its end if it reached one. */
export interface LedgerRun {
  jobId: number;
  pid: number;
  startedAt: number;
  endedAt: number | null;
}

/**
 * Pairs starts with ends per job and process. A process runs a job at most once at a
 * time, so the n-th end of (job, pid) closes its n-th start.
 */
export function ledgerRuns(records: readonly LedgerRecord[]): Map<number, LedgerRun[]> {
  const runs = new Map<number, LedgerRun[]>();
  for (const record of records) {
    const list = runs.get(record.jobId) ?? [];
    runs.set(record.jobId, list);
    if (record.kind === "start") {
      list.push({ jobId: record.jobId, pid: record.pid, startedAt: record.at, endedAt: null });
    } else {
      const open = list.find((run) => run.pid === record.pid && run.endedAt === null);
      if (open === undefined)
        throw new Error(`ledger: end without a start: ${JSON.stringify(record)}`);
      open.endedAt = record.at;
    }
  }
  return runs;
}
