import { formatJobError } from "./error-format.ts";
import { isRetryableError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { CompleteResult, JobOutcome, StorageAdapter } from "./storage-adapter.ts";
import { sleep } from "./timers.ts";

export type RecordResult = "recorded" | "lost" | "dropped";

/** Told once how an outcome ended; must not throw. */
export type RecordDone = (result: RecordResult) => void;

interface PendingOutcome {
  outcome: JobOutcome;
  giveUpAt: number;
  done: RecordDone;
}

/** Most outcomes written by one `complete` call. */
const MAX_BATCH = 500;
/** Non-transient failures are tried this many times, one job at a time, then dropped. */
const MAX_PERMANENT_FAILURES = 3;

/**
 * Writes job outcomes in batches: outcomes that arrive while a write is in flight go out
 * together in the next `complete` call, so a busy worker records many results per round
 * trip and an idle one records each at once. Transient database errors are retried with
 * backoff until the job's lease would have run out (after that another worker owns the
 * job and the write would lose its guard anyway); a batch that fails for good is split
 * so one bad outcome cannot drop the others.
 */
export class OutcomeRecorder {
  private readonly queue: PendingOutcome[] = [];
  /**
   * An end-of-turn check is scheduled. Left scheduled when `flushNow` starts the write
   * first (it then finds nothing to do): one `setImmediate` per turn of the event loop
   * rather than one per claim.
   */
  private turnEndPending = false;
  /** Batches being written; more than one only after `flushNow` (see there). */
  private readonly writing = new Set<Promise<void>>();

  constructor(
    private readonly adapter: StorageAdapter,
    private readonly logger: Logger,
    private readonly leaseMs: number,
  ) {}

  /**
   * Queues `outcome` for the next batch and calls `done` once it is written, lost or
   * given up. A callback, not a promise: this runs once per job.
   */
  record(outcome: JobOutcome, done: RecordDone): void {
    this.queue.push({ outcome, giveUpAt: Date.now() + this.leaseMs, done });
    this.scheduleFlush();
  }

  /**
   * Starts writing what is queued now rather than at the end of this turn of the event
   * loop. The worker calls it right before a claim: the adapter then sees the completion
   * before the claim and can write both in one transaction, without the worker having
   * to give up the turn first. It starts a write even while another is in flight: the
   * outcomes of different jobs are independent, and waiting for the earlier write would
   * miss the claim (at concurrency 1 the next job settles before the previous write's
   * answer has come back through its promise chain, so its success was written alone —
   * two round trips per job on Postgres). No-op when nothing is queued.
   */
  flushNow(): void {
    if (this.queue.length === 0) return;
    this.startFlushing();
  }

  /** Resolves once every outcome handed in so far is written or given up. */
  async drain(): Promise<void> {
    for (;;) {
      this.flushNow();
      if (this.writing.size === 0) return;
      await Promise.all(this.writing);
    }
  }

  /**
   * Let every outcome settled in this turn of the event loop join the batch: on SQLite,
   * where a write completes synchronously, this is what makes batches larger than a
   * handful when no claim comes first.
   */
  private scheduleFlush(): void {
    if (this.writing.size > 0 || this.turnEndPending) return;
    this.turnEndPending = true;
    setImmediate(() => {
      this.turnEndPending = false;
      this.flushNow();
    });
  }

  private startFlushing(): void {
    const written = this.write(this.queue.splice(0, MAX_BATCH));
    this.writing.add(written);
    written.then(
      () => this.flushed(written),
      () => this.flushed(written),
    );
  }

  /**
   * After a batch: what was handed in while it was being written goes out as one batch at
   * the end of this turn — or before it, with the worker's next claim (`flushNow`). Not at
   * once: an adapter that pairs successes with a claim waits one turn for it, and a write
   * started here raced the worker's own turn before its claim, so the success was written
   * alone (two round trips per job at concurrency 1 on Postgres). A plain callback rather
   * than an async loop around the writes: at concurrency 1 this runs once per job.
   */
  private flushed(written: Promise<void>): void {
    this.writing.delete(written);
    if (this.queue.length > 0) this.scheduleFlush();
  }

  /**
   * Writes one batch; the common case (the write succeeds) is one `then` on the
   * adapter's promise. Resolves once every outcome of the batch is told how it ended.
   */
  private write(batch: PendingOutcome[]): Promise<void> {
    return this.attempt(batch).then(
      (result) => this.deliver(batch, result),
      (error: unknown) => this.recover(batch, error),
    );
  }

  /** One `complete` call for the batch; a synchronous throw becomes a rejection. */
  private attempt(batch: PendingOutcome[]): Promise<CompleteResult> {
    try {
      return this.adapter.complete(batch.map((item) => item.outcome));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Tells each outcome of a written batch how it ended; outside any retry `try`. */
  private deliver(batch: PendingOutcome[], { lost }: CompleteResult): void {
    if (lost.length === 0) {
      for (const item of batch) item.done("recorded");
      return;
    }
    const lostIds = new Set(lost);
    for (const item of batch) item.done(lostIds.has(item.outcome.id) ? "lost" : "recorded");
  }

  /**
   * After a failed write: retries transient errors with backoff until the leases would
   * have run out, splits a batch that fails for good so one bad outcome cannot drop the
   * others, and gives up after `MAX_PERMANENT_FAILURES`.
   */
  private async recover(batch: PendingOutcome[], firstError: unknown): Promise<void> {
    let error = firstError;
    let delayMs = 50;
    let permanentFailures = 0;
    for (;;) {
      const retryable = isRetryableError(error);
      if (!retryable) permanentFailures += 1;
      if (!retryable && batch.length > 1) {
        // Isolate the outcome that cannot be written from the ones that can.
        for (const item of batch) await this.write([item]);
        return;
      }
      const expired = batch.every((item) => Date.now() >= item.giveUpAt);
      if (expired || permanentFailures >= MAX_PERMANENT_FAILURES) {
        this.logger.error({
          type: "docket.record_failed",
          message:
            "could not record job outcomes; their leases will expire and they will be retried",
          jobIds: batch.map((item) => item.outcome.id),
          error: formatJobError(error),
        });
        for (const item of batch) item.done("dropped");
        return;
      }
      this.logger.error({
        type: "docket.record_retry",
        jobIds: batch.map((item) => item.outcome.id),
        retryInMs: delayMs,
        error: formatJobError(error),
      });
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 2_000);
      let result: CompleteResult;
      try {
        result = await this.attempt(batch);
      } catch (retryError) {
        error = retryError;
        continue;
      }
      // Outside the try: what `done` does is no database error to retry.
      this.deliver(batch, result);
      return;
    }
  }
}
