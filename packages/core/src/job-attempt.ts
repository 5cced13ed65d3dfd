import { DocketError } from "./errors.ts";
import { type DocketEvent, eventStop } from "./events.ts";
import type { JobRecord } from "./job-record.ts";
import { type Logger, withLogContext } from "./logger.ts";
import type { JobOutcome, StorageAdapter } from "./storage-adapter.ts";
import type { Deadline, DeadlineScheduler, DeadlineTarget } from "./timers.ts";
import type { ResolvedHandler } from "./worker-options.ts";

/**
 * - `succeeded`: the handler resolved; `recorded` when a transactional handler already
 *   committed its completion together with its writes
 * - `failed`: it threw, rejected, or timed out (`error` is what to record)
 */
export type AttemptResult =
  | { readonly kind: "succeeded"; readonly recorded: boolean }
  | { readonly kind: "failed"; readonly error: unknown; readonly timedOut: boolean };

/** Shared: a success carries no per-job data, so it needs no object per job. */
const SUCCEEDED: AttemptResult = Object.freeze({ kind: "succeeded", recorded: false });
const SUCCEEDED_RECORDED: AttemptResult = Object.freeze({ kind: "succeeded", recorded: true });

/**
 * What an attempt reports to, by plain calls rather than promises: a worker runs
 * thousands of jobs a second, and two promise chains per job were a visible share of its
 * CPU. `owner` is handed back so one observer serves every attempt without a closure per
 * job.
 */
export interface AttemptObserver<Owner> {
  /**
   * Called once, at the handler's outcome or at the abort (deadline, lost lease, stop),
   * whichever comes first.
   */
  attemptDecided(owner: Owner, result: AttemptResult): void;
  /** Called once, after `attemptDecided`, when the handler itself has settled. */
  handlerSettled(owner: Owner): void;
  /** For transactional handlers: the success outcome to commit with the handler's writes. */
  successOutcome(owner: Owner): JobOutcome;
}

export interface RunningAttempt {
  /** Aborts the handler's signal (stop, or the lease was lost). */
  abort(reason: DocketError): void;
}

export interface AttemptContext<Owner> {
  adapter: StorageAdapter;
  job: JobRecord;
  entry: ResolvedHandler;
  timeoutMs: number;
  logger: Logger;
  /** The worker's shared deadline timer. */
  deadlines: DeadlineScheduler;
  observer: AttemptObserver<Owner>;
  owner: Owner;
}

/**
 * The root event of an attempt; a class so every job's event shares one shape.
 *
 * Its AbortController is created only when a handler reads `signal` (or after an abort,
 * when the handler reads it then): most handlers never look, and a controller per job was
 * a visible share of the worker's profile. A handler that reads it sees exactly the
 * signal it would have had. The job-scoped logger is built on first read of `log` too.
 */
class AttemptEvent implements DocketEvent {
  readonly parent = undefined;
  readonly span: DocketEvent["span"];
  private controller: AbortController | undefined;
  private jobLogger: Logger | undefined;
  aborted = false;
  private reason: unknown;

  constructor(
    private readonly rootLogger: Logger,
    private readonly job: JobRecord,
  ) {
    // `eventStart` without its abort check: nothing can have aborted yet.
    this.span = {
      name: `job.${job.name}`,
      startTime: Date.now(),
      stopTime: undefined,
      durationMs: undefined,
      children: [],
    };
  }

  get log(): Logger {
    this.jobLogger ??= withLogContext(this.rootLogger, {
      jobId: this.job.id,
      jobName: this.job.name,
    });
    return this.jobLogger;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Records the abort (once) and aborts the controller if a handler asked for one. */
  abort(reason: unknown): void {
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }

  /** Stops the span and logs it: the same entry `log.info` would write, without `log`. */
  finish(): void {
    eventStop(this);
    this.rootLogger.info({
      jobId: this.job.id,
      jobName: this.job.name,
      type: "job_span",
      span: this.span,
    });
  }
}

/**
 * One attempt of a job. The deadline is enforced even when the handler ignores its
 * signal: the attempt is decided as a timeout failure at the deadline, while
 * `handlerSettled` waits for the handler so the worker never runs more than
 * `parallelCount` handlers at once.
 */
class Attempt<Owner> implements RunningAttempt, DeadlineTarget {
  private decided = false;
  private timedOut = false;
  private readonly event: AttemptEvent;
  private readonly deadline: Deadline;

  constructor(private readonly context: AttemptContext<Owner>) {
    this.event = new AttemptEvent(context.logger, context.job);
    this.deadline = context.deadlines.add(this, context.timeoutMs);
    let running: Promise<unknown>;
    try {
      running = this.invoke();
    } catch (error) {
      context.deadlines.cancel(this.deadline);
      throw error;
    }
    // Only a transactional attempt records its own completion; what a plain handler's
    // promise resolves to is ignored.
    const success = context.entry.transactional ? SUCCEEDED_RECORDED : SUCCEEDED;
    running.then(
      () => this.onHandlerSettled(success),
      (error: unknown) => this.onHandlerSettled({ kind: "failed", error, timedOut: this.timedOut }),
    );
  }

  private invoke(): Promise<unknown> {
    const { entry, adapter, job } = this.context;
    if (entry.transactional) return runTransactional(this.context, this.event, () => this.timedOut);
    try {
      // A synchronous throw is a failed attempt like a rejection, as in an async handler.
      return Promise.resolve(entry.handler(this.event, adapter.db, job, { adapter }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** From the deadline scheduler: the handler ran out of time. */
  onDeadline(): void {
    this.timedOut = true;
    this.abort(new DocketError("timeout", `handler timed out after ${this.context.timeoutMs} ms`));
  }

  abort(reason: unknown): void {
    if (this.event.aborted) return;
    // Decide first, as the controller's own abort listener used to: the handler's abort
    // listeners then see a job whose result is already decided.
    this.decide({ kind: "failed", error: reason, timedOut: this.timedOut });
    this.event.abort(reason);
  }

  private decide(result: AttemptResult): void {
    if (this.decided) return;
    this.decided = true;
    this.context.observer.attemptDecided(this.context.owner, result);
  }

  private onHandlerSettled(result: AttemptResult): void {
    this.context.deadlines.cancel(this.deadline);
    this.event.finish();
    this.decide(result);
    this.context.observer.handlerSettled(this.context.owner);
  }
}

/** Starts one attempt of a job; throws only when the handler could not be started. */
export function runAttempt<Owner>(context: AttemptContext<Owner>): RunningAttempt {
  return new Attempt(context);
}

/**
 * The handler runs inside a transaction the adapter owns; the job's completion is
 * written through the same transaction, so both commit or neither does. A handler that
 * outlived its deadline, or whose lease was taken over, rolls back.
 */
async function runTransactional<Owner>(
  context: AttemptContext<Owner>,
  event: DocketEvent,
  hasTimedOut: () => boolean,
): Promise<void> {
  return context.adapter.transaction(async (tx) => {
    await context.entry.handler(event, tx.db, context.job, { adapter: tx.adapter });
    if (hasTimedOut()) throw new DocketError("timeout", "handler finished after its deadline");
    const { lost } = await tx.adapter.complete([context.observer.successOutcome(context.owner)]);
    if (lost.length > 0) {
      throw new DocketError("lease_lost", "the job's lease was lost before it completed");
    }
  });
}
