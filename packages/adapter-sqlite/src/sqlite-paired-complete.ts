import type { CompleteResult, JobOutcome } from "@docket/core/adapter";

/** Outcomes handed to `complete`, waiting for a claim to share its transaction. */
export interface WaitingOutcomes {
  readonly outcomes: readonly JobOutcome[];
  resolve(result: CompleteResult): void;
  reject(error: unknown): void;
}

/**
 * Lets a `complete` of successes wait one turn of the event loop for the next `claim`, so
 * both are written in one `BEGIN IMMEDIATE` transaction: one write lock, one WAL commit
 * per job instead of two. A worker claims in the turn after a slot frees, which is the
 * turn its outcome recorder writes in, so at concurrency 1 every success rides along.
 *
 * Only successes wait: after a failure the worker holds the slot until the outcome is
 * written (so the retry keeps its place before the next claim), and no claim comes to
 * carry it. A wait is bounded to one turn: without a claim the outcomes are written alone,
 * exactly as before.
 */
export class PairedComplete {
  private waiting: WaitingOutcomes | null = null;
  /** The write-alone callback of the waiting outcomes, cancelled when a claim takes them. */
  private fallback: NodeJS.Immediate | undefined;

  /** Whether `outcomes` may wait for a claim: successes only, and no other batch waits. */
  canWait(outcomes: readonly JobOutcome[]): boolean {
    return this.waiting === null && outcomes.every((outcome) => outcome.kind === "succeeded");
  }

  /**
   * Parks `outcomes` until a claim takes them or, one turn later, `writeAlone` writes
   * them on their own.
   */
  wait(
    outcomes: readonly JobOutcome[],
    writeAlone: (outcomes: readonly JobOutcome[]) => Promise<CompleteResult>,
  ): Promise<CompleteResult> {
    return new Promise<CompleteResult>((resolve, reject) => {
      const waiting: WaitingOutcomes = { outcomes, resolve, reject };
      this.waiting = waiting;
      this.fallback = setImmediate(() => {
        this.waiting = null;
        writeAlone(outcomes).then(resolve, reject);
      });
    });
  }

  /** The waiting outcomes, now owned by the caller (a claim, or `close`); null if none. */
  take(): WaitingOutcomes | null {
    const waiting = this.waiting;
    if (waiting !== null) clearImmediate(this.fallback);
    this.waiting = null;
    return waiting;
  }
}
