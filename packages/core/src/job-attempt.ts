import { DocketError } from "./errors.ts";
import { type DocketEvent, eventStop } from "./events.ts";
import type { JobRecord } from "./job-record.ts";
import { type Logger, withLogContext } from "./logger.ts";
import type { JobOutcome, StorageAdapter } from "./storage-adapter.ts";
import type { DeadlineScheduler } from "./timers.ts";
import type { ResolvedHandler } from "./worker-options.ts";

/**
 * - `succeeded`: the handler resolved; `recorded` when a transactional handler already
 *   committed its completion together with its writes
 * - `failed`: it threw, rejected, or timed out (`error` is what to record)
 */
export type AttemptResult =
  | { kind: "succeeded"; recorded: boolean }
  | { kind: "failed"; error: unknown; timedOut: boolean };

export interface RunningAttempt {
  /** Settles at the handler's outcome or at the deadline, whichever comes first. */
  readonly result: Promise<AttemptResult>;
  /** Settles when the handler itself has settled; only then is the slot free again. */
  readonly settled: Promise<void>;
  /** Aborts the handler's signal (stop, or the lease was lost). */
  abort(reason: DocketError): void;
}

export interface AttemptContext {
  adapter: StorageAdapter;
  job: JobRecord;
  entry: ResolvedHandler;
  timeoutMs: number;
  logger: Logger;
  /** The worker's shared deadline timer. */
  deadlines: DeadlineScheduler;
  /** For transactional handlers: the success outcome to commit with the handler's writes. */
  successOutcome: () => JobOutcome;
}

/**
 * Runs one attempt of a job. The deadline is enforced even when the handler ignores its
 * signal: `result` settles as a timeout failure at the deadline, while `settled` waits
 * for the handler so the worker never runs more than `parallelCount` handlers at once.
 */
/**
 * The AbortController is created only when a handler reads `event.signal` (or after an
 * abort, when the handler reads it then): most handlers never look, and a controller per
 * job was a visible share of the worker's profile. A handler that reads it sees exactly
 * the signal it would have had.
 */
class LazySignal {
  private controller: AbortController | undefined;
  private aborted = false;
  private reason: unknown;

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Records the abort; false when it had already happened. */
  markAborted(reason: unknown): boolean {
    if (this.aborted) return false;
    this.aborted = true;
    this.reason = reason;
    return true;
  }

  abortController(reason: unknown): void {
    this.controller?.abort(reason);
  }
}

/** The root event of an attempt; a class so every job's event shares one shape. */
class AttemptEvent implements DocketEvent {
  readonly parent = undefined;
  readonly span: DocketEvent["span"];

  constructor(
    readonly log: Logger,
    private readonly lazy: LazySignal,
    name: string,
  ) {
    // `eventStart` without its abort check: nothing can have aborted yet.
    this.span = {
      name,
      startTime: Date.now(),
      stopTime: undefined,
      durationMs: undefined,
      children: [],
    };
  }

  get signal(): AbortSignal {
    return this.lazy.signal;
  }
}

export function runAttempt(context: AttemptContext): RunningAttempt {
  const { job, entry, timeoutMs } = context;
  const logger = withLogContext(context.logger, { jobId: job.id, jobName: job.name });

  const lazy = new LazySignal();
  const event = new AttemptEvent(logger, lazy, `job.${job.name}`);

  let timedOut = false;
  // One settle-once result: the handler's outcome or the abort (deadline, lost lease),
  // whichever comes first. Fewer promises per job than a race: this is the hot path.
  let settleResult: (result: AttemptResult) => void = () => {};
  const result = new Promise<AttemptResult>((resolve) => {
    settleResult = resolve;
  });
  const abort = (reason: unknown) => {
    // Settle first, as the controller's own abort listener used to: the handler's abort
    // listeners then see a job whose result is already decided.
    if (lazy.markAborted(reason)) {
      settleResult({ kind: "failed", error: reason, timedOut });
      lazy.abortController(reason);
    }
  };
  const cancelTimer = context.deadlines.schedule(() => {
    timedOut = true;
    abort(new DocketError("timeout", `handler timed out after ${timeoutMs} ms`));
  }, timeoutMs);

  let handlerDone: Promise<boolean>;
  try {
    handlerDone = entry.transactional
      ? runTransactional(context, event, () => timedOut)
      : invoke(entry, event, context.adapter.db, job, context.adapter);
  } catch (error) {
    cancelTimer();
    throw error;
  }

  const afterHandler = () => {
    cancelTimer();
    eventStop(event);
    logger.info({ type: "job_span", span: event.span });
  };
  const settled = handlerDone.then(
    (recorded) => {
      afterHandler();
      settleResult({ kind: "succeeded", recorded });
    },
    (error: unknown) => {
      afterHandler();
      settleResult({ kind: "failed", error, timedOut });
    },
  );
  return { result, settled, abort };
}

async function invoke(
  entry: ResolvedHandler,
  event: DocketEvent,
  db: unknown,
  job: JobRecord,
  adapter: StorageAdapter,
): Promise<boolean> {
  await entry.handler(event, db, job, { adapter });
  return false;
}

/**
 * The handler runs inside a transaction the adapter owns; the job's completion is
 * written through the same transaction, so both commit or neither does. A handler that
 * outlived its deadline, or whose lease was taken over, rolls back.
 */
async function runTransactional(
  context: AttemptContext,
  event: DocketEvent,
  hasTimedOut: () => boolean,
): Promise<boolean> {
  return context.adapter.transaction(async (tx) => {
    await context.entry.handler(event, tx.db, context.job, { adapter: tx.adapter });
    if (hasTimedOut()) throw new DocketError("timeout", "handler finished after its deadline");
    const { lost } = await tx.adapter.complete([context.successOutcome()]);
    if (lost.length > 0) {
      throw new DocketError("lease_lost", "the job's lease was lost before it completed");
    }
    return true;
  });
}
