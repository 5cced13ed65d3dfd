import type { RunningAttempt } from "./job-attempt.ts";
import type { JobRecord } from "./job-record.ts";

/**
 * A job the worker holds a lease on, from its claim until its outcome is recorded: what
 * the heartbeat extends, and the state of its slot. One object per job, updated by plain
 * calls (the attempt and the recorder report to the worker), instead of a chain of
 * promises per job.
 */
export class HeldJob {
  readonly leaseToken: string;
  /** Set when the job starts; a held job without one is still in the prefetch buffer. */
  attempt: RunningAttempt | undefined = undefined;
  /** The attempt failed: its slot stays taken until the failure is recorded. */
  failed = false;
  handlerSettled = false;
  outcomeRecorded = false;
  slotReleased = false;
  ended = false;

  constructor(readonly job: JobRecord) {
    this.leaseToken = job.lockedBy ?? "";
  }

  /**
   * The slot frees once the handler has settled (a handler that ignored its timeout still
   * occupies it). After a failure it also waits for the outcome to be recorded, so the job
   * is eligible again before the next claim and its retry keeps its place in the priority
   * order; a success frees the slot at once and its outcome joins the next batched write.
   */
  canReleaseSlot(): boolean {
    return !this.slotReleased && this.handlerSettled && (this.outcomeRecorded || !this.failed);
  }

  /** Slot released and outcome recorded: `stop()` no longer waits for this job. */
  canEnd(): boolean {
    return !this.ended && this.slotReleased && this.outcomeRecorded;
  }
}
