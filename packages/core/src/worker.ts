import { assertAdapter } from "./adapter-check.ts";
import { ClaimPacer } from "./claim-pacer.ts";
import { cronRow, nextCronRow } from "./cron.ts";
import { formatJobError } from "./error-format.ts";
import { DocketError } from "./errors.ts";
import { HeldJob } from "./held-job.ts";
import { type AttemptObserver, type AttemptResult, runAttempt } from "./job-attempt.ts";
import type { JobRecord } from "./job-record.ts";
import { onLocalEnqueue } from "./local-wake.ts";
import { OutcomeRecorder, type RecordResult } from "./outcome-recorder.ts";
import { retryDelayMs } from "./retry-backoff.ts";
import {
  type ClaimRequest,
  type ClaimResult,
  isFinishingOutcome,
  type JobOutcome,
  LEASE_EXPIRED_ERROR,
  type StorageAdapter,
} from "./storage-adapter.ts";
import { DeadlineScheduler } from "./timers.ts";
import {
  type QueueWorkerOptions,
  type ResolvedWorkerOptions,
  resolveWorkerOptions,
} from "./worker-options.ts";

export interface QueueWorker {
  /** Starts claiming and running jobs. Calling it again is harmless. */
  start(): void;
  /**
   * Stops claiming at once, runs the jobs already claimed for free slots (a claim in
   * flight included), hands unstarted prefetched jobs back, waits for running handlers to
   * finish and their results to be recorded, then resolves. Safe to call more than once.
   */
  stop(): Promise<void>;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The loop gives up its turn of the event loop before a claim once this long has passed
 * since it last did: often enough that timers and I/O never wait long behind a busy
 * synchronous database, rarely enough that a turn per job is not the price of a job.
 */
const YIELD_EVERY_MS = 1;

/** Errors outside handlers back off from this delay, doubling up to `MAX_ERROR_BACKOFF_MS`. */
const MIN_ERROR_BACKOFF_MS = 100;
const MAX_ERROR_BACKOFF_MS = 10_000;

/**
 * Creates a worker on `adapter`. Returned synchronously and validated at once; it touches
 * the database only after `start()`. See `QueueWorkerOptions` for every option and its
 * default.
 */
export function queueWorkerCreate(
  adapter: StorageAdapter,
  options: QueueWorkerOptions,
): QueueWorker {
  assertAdapter(adapter);
  const worker = new WorkerLoop(adapter, resolveWorkerOptions(options));
  return { start: () => worker.start(), stop: () => worker.stop() };
}

/**
 * One loop per worker: it claims as many jobs as it has free slots (plus `prefetchCount`
 * for its local buffer) in one `claim`, runs them concurrently, and hands their outcomes
 * to a batching recorder. It sleeps until a
 * slot frees, a local enqueue or adapter wake-up arrives, or the poll timer fires.
 */
class WorkerLoop implements AttemptObserver<HeldJob> {
  private started = false;
  private stopping = false;
  private loopDone: Promise<void> = Promise.resolve();
  private busySlots = 0;
  private claimSequence = 0;
  private lastYieldAt = 0;
  /** Database time minus process time, from the last claim; used for cron times. */
  private clockOffsetMs = 0;
  private readonly held = new Map<number, HeldJob>();
  /** Started jobs whose slot or outcome is still pending; `stop()` waits for none left. */
  private runningJobs = 0;
  private readonly onNoJobRunning: (() => void)[] = [];
  /** Claimed (leased) jobs waiting for a free slot; only non-empty with `prefetchCount`. */
  private readonly buffer: JobRecord[] = [];
  private readonly recorder: OutcomeRecorder;
  /** One timer for every running handler's deadline instead of one per job. */
  private readonly deadlines = new DeadlineScheduler();
  private wakeUp: (() => void) | undefined;
  /** One idle timer, re-armed (`refresh`) for every wait instead of a new timer per wait. */
  private idleTimer: NodeJS.Timeout | undefined;
  private idleTimerMs = 0;
  /** Armed and not fired yet. */
  private idleTimerPending = false;
  private wakeRequested = false;
  private cleanups: (() => void)[] = [];
  /** When to claim with a prefetch buffer (`prefetchCount > 0`); undefined without one. */
  private readonly pacer: ClaimPacer | undefined;

  constructor(
    private readonly adapter: StorageAdapter,
    private readonly options: ResolvedWorkerOptions,
  ) {
    this.recorder = new OutcomeRecorder(adapter, options.logger, options.leaseMs);
    if (options.prefetchCount > 0) {
      this.pacer = new ClaimPacer(options.parallelCount, options.prefetchCount);
    }
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const wake = () => this.wake();
    this.cleanups.push(onLocalEnqueue(this.adapter.queueKey, wake));
    if (this.adapter.subscribe !== undefined) {
      try {
        this.cleanups.push(this.adapter.subscribe(wake));
      } catch (error) {
        this.logError("docket.subscribe_failed", error);
      }
    }
    const heartbeat = setInterval(
      () => void this.heartbeat(),
      Math.max(Math.floor(this.options.leaseMs / 3), 50),
    );
    heartbeat.unref?.();
    this.cleanups.push(() => clearInterval(heartbeat));
    this.options.logger.info({
      type: "docket.worker_start",
      workerId: this.options.workerId,
      names: this.options.names,
      parallelCount: this.options.parallelCount,
      pollInterval: this.options.pollInterval,
    });
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.stopping = true;
    // Slots that free after this point take no new job: only the ones free now do.
    const freeAtStop = this.options.parallelCount - this.busySlots;
    this.wake();
    await this.loopDone;
    // Jobs claimed for free slots run, even when stop() came while their claim was in
    // flight: the same on every database (a synchronous SQLite claim has started them by
    // then, a networked one has not). Only the prefetch surplus goes back.
    this.fillFreeSlots(freeAtStop);
    this.releaseBuffered();
    await this.noJobRunning();
    await this.recorder.drain();
    clearTimeout(this.idleTimer);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.options.logger.info({ type: "docket.worker_stop", workerId: this.options.workerId });
  }

  private wake(): void {
    this.wakeRequested = true;
    this.endWait();
  }

  /**
   * Ends the current idle wait, if any. The wait's state is reset here, when it ends,
   * rather than where the loop resumes: a wake-up that arrives in between is then kept
   * (an extra look at the queue) instead of being cleared unseen.
   */
  private endWait(): void {
    const resume = this.wakeUp;
    if (resume === undefined) return;
    this.wakeUp = undefined;
    this.wakeRequested = false;
    resume();
  }

  private async loop(): Promise<void> {
    let errorBackoffMs = 0;
    const { parallelCount } = this.options;
    // Without a prefetch buffer every free slot claims; with one, the pacer says when
    // (docs/architecture.md, "Prefetch buffer").
    const pacer = this.pacer;
    while (!this.stopping) {
      this.startBuffered();
      const capacity =
        pacer === undefined
          ? parallelCount - this.busySlots - this.buffer.length
          : pacer.claimLimit(this.busySlots, this.buffer.length);
      if (this.options.names.length === 0 || capacity <= 0) {
        // Waiting for room, not for work: a poll that comes early finds no room and waits
        // again, so an armed timer need not be re-armed (at concurrency 1 this wait comes
        // once per job).
        await this.idle(this.options.pollInterval, false);
        continue;
      }
      // Let timers and I/O run between claims: with a synchronous database (SQLite) a busy
      // queue would otherwise keep the process in microtasks and starve everything else.
      // A claim answered over the network is a turn of the event loop of its own; with a
      // prefetch buffer, yielding before it only let the slots drain the buffer meanwhile.
      if (
        performance.now() - this.lastYieldAt >= YIELD_EVERY_MS &&
        !pacer?.answersTakeLongerThan(YIELD_EVERY_MS)
      ) {
        await yieldToEventLoop();
        this.lastYieldAt = performance.now();
        if (this.stopping) break;
        // The buffer and the slots moved meanwhile: with a buffer, ask the pacer again.
        if (pacer !== undefined) continue;
      }
      this.wakeRequested = false;
      // Outcomes settled since the last claim go out first, so the adapter can pair them.
      this.recorder.flushNow();
      let claimed: number;
      try {
        // No await between the `stopping` check above and this call: after stop() no
        // claim starts. The adapter's promise is awaited here rather than inside an async
        // helper: at concurrency 1 this runs once per job, and the helper's own promise was
        // one more microtask hop between a claim's result and the job's start.
        const claim = this.adapter.claim(this.claimRequest(capacity));
        const sentAt = pacer === undefined ? 0 : performance.now();
        const result = await claim;
        const before = this.buffer.length;
        claimed = this.accept(result);
        pacer?.landed(sentAt, before, this.buffer.length);
        errorBackoffMs = 0;
      } catch (error) {
        errorBackoffMs = Math.min(
          Math.max(errorBackoffMs * 2, MIN_ERROR_BACKOFF_MS),
          MAX_ERROR_BACKOFF_MS,
        );
        this.logError("docket.claim_failed", error, { retryInMs: errorBackoffMs });
        await this.idle(errorBackoffMs);
        continue;
      }
      this.startBuffered();
      // A short batch means the queue is drained for now: sleep until woken or polled.
      // A full one means more work is likely waiting: look again as soon as there is room.
      if (claimed < capacity && !this.wakeRequested) await this.idle(this.options.pollInterval);
    }
  }

  /** Starts buffered jobs while slots are free (never after stop(), which does its own). */
  private startBuffered(): void {
    if (!this.stopping) this.fillFreeSlots();
  }

  private fillFreeSlots(limit = Number.POSITIVE_INFINITY): void {
    for (
      let started = 0;
      started < limit && this.busySlots < this.options.parallelCount;
      started++
    ) {
      const job = this.buffer.shift();
      if (job === undefined) return;
      if (this.buffer.length === 0) this.pacer?.bufferEmptied();
      this.startJob(job);
    }
  }

  /** Hands prefetched, never started jobs back to the queue, attempts untouched. */
  private releaseBuffered(): void {
    for (const job of this.buffer.splice(0)) {
      this.finish(job, this.outcome(job, job.lockedBy ?? "", "released", null));
    }
  }

  /**
   * Sleeps until woken (slot freed, enqueue, adapter wake-up, stop) or `ms` passes. A
   * plain function returning the wait's promise, not an async one: at concurrency 1 the
   * loop waits once per job, and an async frame around the wait added its own promise
   * and microtask hop between a slot freeing and the next claim.
   */
  private idle(ms: number, restartTimer = true): Promise<void> | undefined {
    if (this.stopping || this.wakeRequested) {
      this.wakeRequested = false;
      return undefined;
    }
    return new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      this.armIdleTimer(ms, restartTimer);
    });
  }

  /**
   * Fires `ms` from now and ends the idle wait then, if one is still going on. Left armed
   * when a wake-up ends the wait early: the next wait re-arms it from its own start, and
   * the worker is idle or claiming again long before it fires (a worker that is not
   * stopped keeps the process alive either way); `stop()` clears it.
   */
  private armIdleTimer(ms: number, restart: boolean): void {
    if (this.idleTimer !== undefined && this.idleTimerMs === ms) {
      if (restart || !this.idleTimerPending) this.idleTimer.refresh();
      this.idleTimerPending = true;
      return;
    }
    clearTimeout(this.idleTimer);
    this.idleTimerMs = ms;
    this.idleTimerPending = true;
    this.idleTimer = setTimeout(() => {
      this.idleTimerPending = false;
      this.endWait();
    }, ms);
  }

  private claimRequest(limit: number): ClaimRequest {
    this.claimSequence += 1;
    return {
      leaseToken: `${this.options.workerId}:${this.claimSequence}`,
      limit,
      names: this.options.names,
      maxRetryCount: this.options.maxRetryCount,
      ignoreSorting: this.options.unsafeIgnoreSorting,
      leaseMs: this.options.leaseMs,
      // Jobs whose expired lease held their last attempt are finished by the claim
      // itself (so no crash can strand them); these say how.
      deleteOnFinish: this.options.deleteJobOnCompletion,
      cronSuccessor: nextCronRow,
    };
  }

  /** Takes a claim's jobs into the buffer; returns how many the claim found. */
  private accept(result: ClaimResult): number {
    const { jobs, now } = result;
    // An adapter written before `ClaimResult.finished` existed reports none.
    const finished = result.finished ?? [];
    this.clockOffsetMs = now.getTime() - Date.now();
    if (finished.length > 0) {
      this.options.logger.error({
        type: "docket.jobs_gave_up",
        message: "the expired lease of a dead worker held these jobs' last attempt",
        workerId: this.options.workerId,
        jobIds: finished,
        error: LEASE_EXPIRED_ERROR,
      });
    }
    for (const job of jobs) {
      this.held.set(job.id, new HeldJob(job));
      if (job.retryCount >= this.options.maxRetryCount) {
        // Only an adapter that breaks the claim contract hands out a job with no attempts
        // left; finish it rather than run it again.
        this.finish(job, this.outcome(job, job.lockedBy ?? "", "abandoned", LEASE_EXPIRED_ERROR));
      } else {
        this.buffer.push(job);
      }
    }
    // Finished jobs count: the claim found work, so look again without sleeping.
    return jobs.length + finished.length;
  }

  private startJob(job: JobRecord): void {
    const held = this.held.get(job.id) ?? new HeldJob(job);
    const entry = this.options.handlers.get(job.name);
    if (entry === undefined) {
      // Cannot happen (claims ask only for handled names); never lose the job over it.
      this.finish(
        job,
        this.failureOutcome(
          job,
          held.leaseToken,
          new DocketError("invalid_argument", `no handler for ${job.name}`),
        ),
      );
      return;
    }
    const timeoutMs = job.handlerTimeout ?? entry.timeout ?? this.options.handlerTimeout;
    this.busySlots += 1;
    try {
      held.attempt = runAttempt({
        adapter: this.adapter,
        job,
        entry,
        timeoutMs,
        logger: this.options.logger,
        deadlines: this.deadlines,
        observer: this,
        owner: held,
      });
    } catch (error) {
      this.busySlots -= 1;
      this.finish(job, this.failureOutcome(job, held.leaseToken, error));
      return;
    }
    this.runningJobs += 1;
  }

  /** From the attempt: its outcome is decided (see `AttemptObserver`). */
  attemptDecided(held: HeldJob, result: AttemptResult): void {
    const { job, leaseToken } = held;
    if (result.kind === "succeeded") {
      if (result.recorded) {
        this.held.delete(job.id);
        held.outcomeRecorded = true;
        return;
      }
      this.recordOutcome(held, this.outcome(job, leaseToken, "succeeded", null));
      return;
    }
    held.failed = true;
    this.options.logger.error({
      type: "docket.job_failed",
      jobId: job.id,
      jobName: job.name,
      retryCount: job.retryCount,
      timedOut: result.timedOut,
      error: formatJobError(result.error),
    });
    this.recordOutcome(held, this.failureOutcome(job, leaseToken, result.error));
  }

  /** From the attempt: the handler itself has settled. */
  handlerSettled(held: HeldJob): void {
    held.handlerSettled = true;
    this.advance(held);
  }

  /** From a transactional attempt: the completion it commits with the handler's writes. */
  successOutcome(held: HeldJob): JobOutcome {
    return this.outcome(held.job, held.leaseToken, "succeeded", null);
  }

  private recordOutcome(held: HeldJob, outcome: JobOutcome): void {
    this.recorder.record(outcome, (result) => {
      this.afterRecord(held.job, result);
      held.outcomeRecorded = true;
      this.advance(held);
    });
  }

  /** Frees the job's slot and ends it as soon as `HeldJob` says each may happen. */
  private advance(held: HeldJob): void {
    if (held.canReleaseSlot()) {
      held.slotReleased = true;
      this.busySlots -= 1;
      this.startBuffered();
      // With a buffer, most freed slots are filled from it and the pacer would not claim
      // yet: waking the loop for each of them cost a loop turn and an idle wait per job.
      if (
        this.pacer === undefined ||
        this.pacer.claimLimit(this.busySlots, this.buffer.length) > 0
      ) {
        this.wake();
      }
    }
    if (held.canEnd()) {
      held.ended = true;
      this.runningJobs -= 1;
      if (this.runningJobs === 0) for (const resolve of this.onNoJobRunning.splice(0)) resolve();
    }
  }

  /** Resolves once no started job is left running or unrecorded. */
  private noJobRunning(): Promise<void> {
    if (this.runningJobs === 0) return Promise.resolve();
    return new Promise((resolve) => this.onNoJobRunning.push(resolve));
  }

  /** Records the outcome of a job that did not run (or could not start). */
  private finish(job: JobRecord, outcome: JobOutcome): void {
    this.recorder.record(outcome, (result) => this.afterRecord(job, result));
  }

  private afterRecord(job: JobRecord, result: RecordResult): void {
    this.held.delete(job.id);
    if (result === "lost") {
      this.options.logger.error({
        type: "docket.lease_lost",
        message: "another worker took this job over; its newer outcome stands",
        jobId: job.id,
        jobName: job.name,
      });
    }
  }

  private failureOutcome(job: JobRecord, leaseToken: string, error: unknown): JobOutcome {
    const retryCount = job.retryCount + 1;
    const kind = retryCount >= this.options.maxRetryCount ? "failed" : "retry";
    const outcome = this.outcome(job, leaseToken, kind, formatJobError(error));
    if (kind === "retry")
      outcome.retryDelayMs = retryDelayMs(this.options.retryBackoff, retryCount);
    return outcome;
  }

  private outcome(
    job: JobRecord,
    leaseToken: string,
    kind: JobOutcome["kind"],
    error: string | null,
  ): JobOutcome {
    const finished = isFinishingOutcome(kind);
    return {
      id: job.id,
      leaseToken,
      kind,
      error,
      retryDelayMs: null,
      deleteOnFinish: this.options.deleteJobOnCompletion,
      cronSuccessor:
        finished && job.cronExpression !== null
          ? cronRow(
              job.name,
              job.cronExpression,
              job.priority,
              new Date(Date.now() + this.clockOffsetMs),
            )
          : null,
    };
  }

  private async heartbeat(): Promise<void> {
    if (this.held.size === 0) return;
    const leases = [...this.held.values()].map(({ job, leaseToken }) => ({
      id: job.id,
      leaseToken,
    }));
    try {
      const lost = await this.adapter.heartbeat(leases, this.options.leaseMs);
      for (const id of lost) {
        const held = this.held.get(id);
        if (held === undefined) continue; // finished meanwhile
        if (held.attempt === undefined) {
          // Still in the buffer: another worker owns it now, never start it here.
          const index = this.buffer.indexOf(held.job);
          if (index >= 0) this.buffer.splice(index, 1);
          this.held.delete(id);
          continue;
        }
        held.attempt.abort(
          new DocketError("lease_lost", "the job's lease was lost to another worker"),
        );
      }
    } catch (error) {
      this.logError("docket.heartbeat_failed", error);
    }
  }

  private logError(type: string, error: unknown, extra: Record<string, unknown> = {}): void {
    this.options.logger.error({
      type,
      workerId: this.options.workerId,
      error: formatJobError(error),
      ...extra,
    });
  }
}
