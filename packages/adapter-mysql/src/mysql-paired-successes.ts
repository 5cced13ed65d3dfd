import type { CompleteResult, JobOutcome } from "@docket/core/adapter";

/** Successes handed to `complete`, to be written by the next claim's transaction. */
export interface ParkedSuccesses {
  readonly outcomes: readonly JobOutcome[];
  settle(result: CompleteResult): void;
  fail(error: unknown): void;
}

/**
 * Holds plain successes (no cron successor) for one turn of the event loop so that the
 * next claim writes them in its own first round trip and commits them with its COMMIT:
 * on MariaDB a job then costs the claim's two round trips and no separate completion
 * (the worker claims in the turn its outcome recorder writes in). Without a claim in that
 * turn the successes are written alone, as before. Only successes wait: after a failure
 * the worker keeps the slot until its outcome is written, so no claim would come.
 */
export class PairedSuccesses {
  private parked: ParkedSuccesses[] = [];
  private alone: NodeJS.Immediate | undefined;

  /** Plain successes only: a guarded single-row write each, nothing to read back. */
  static canPair(outcomes: readonly JobOutcome[]): boolean {
    return outcomes.every(
      (outcome) => outcome.kind === "succeeded" && outcome.cronSuccessor === null,
    );
  }

  /** Parks `outcomes`; `writeAlone` writes every batch still parked one turn later. */
  park(
    outcomes: readonly JobOutcome[],
    writeAlone: (outcomes: readonly JobOutcome[]) => Promise<CompleteResult>,
  ): Promise<CompleteResult> {
    return new Promise<CompleteResult>((settle, fail) => {
      this.parked.push({ outcomes, settle, fail });
      this.alone ??= setImmediate(() => {
        for (const batch of this.take()) writeAlone(batch.outcomes).then(batch.settle, batch.fail);
      });
    });
  }

  /** Every parked batch, now owned by the caller (a claim, or `close`). */
  take(): ParkedSuccesses[] {
    const parked = this.parked;
    if (this.alone !== undefined) clearImmediate(this.alone);
    this.alone = undefined;
    this.parked = [];
    return parked;
  }
}
