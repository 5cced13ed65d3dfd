/** Weight of the newest sample in the moving averages below. */
const SMOOTHING = 0.25;

/**
 * A claim goes out once the buffer holds no more jobs than the slots start during this
 * many claim round trips: a round trip's time varies with the database's load.
 */
const LOW_WATER_MARGIN = 2;

/**
 * When a worker with a prefetch buffer (`prefetchCount > 0`) claims, and for how many
 * jobs (docs/architecture.md, "Prefetch buffer"). The worker never holds more than
 * `parallelCount + prefetchCount` jobs (the window), and every claim has a fixed cost, so
 * claims should be large; but the slots should not run dry while one is out. The pacer
 * measures both sides — how long a claim's answer takes after it is sent (the latency),
 * and how fast the slots take jobs from a non-empty buffer (the start rate) — and:
 * - when the slots would empty the whole window within one latency (no-op jobs on a
 *   networked database), claiming early cannot keep them busy: each claim then waits for
 *   an empty buffer and asks for the whole window, the fewest round trips per job;
 * - otherwise it claims once the buffer is down to what the slots start during one
 *   latency (with a margin), and only for at least half the window, as before;
 * - until both are measured, it claims once half the window is free, as before.
 * A synchronous database (SQLite) has almost no latency after the call returns, so its
 * claims wait for a nearly empty buffer and ask for nearly the whole window.
 */
export class ClaimPacer {
  private readonly window: number;
  private readonly minClaim: number;
  /** Moving average of how long a claim's answer takes after the call returns, in ms. */
  private latencyMs: number | undefined;
  /** Moving average of jobs started per ms while the buffer was not empty. */
  private startRate: number | undefined;
  /** Jobs buffered when the last claim landed, until the buffer empties (else undefined). */
  private drainFrom: number | undefined;
  private drainStartedAt = 0;

  constructor(
    private readonly parallelCount: number,
    prefetchCount: number,
  ) {
    this.window = parallelCount + prefetchCount;
    this.minClaim = Math.max(1, Math.ceil(this.window / 2));
  }

  /** How many jobs to claim now; 0 means not now. */
  claimLimit(busySlots: number, buffered: number): number {
    const capacity = this.window - busySlots - buffered;
    if (capacity <= 0) return 0;
    // Slots are idle and nothing is buffered: any claim is worth it.
    if (buffered === 0 && busySlots < this.parallelCount) return capacity;
    if (capacity < this.minClaim || buffered > this.lowWater()) return 0;
    return capacity;
  }

  /**
   * A claim sent at `sentAt` (after its call returned) has answered; the buffer held
   * `before` jobs before its jobs joined and `after` once they had.
   */
  landed(sentAt: number, before: number, after: number): void {
    const now = performance.now();
    this.latencyMs = average(this.latencyMs, now - sentAt);
    // The buffer never emptied since the last claim landed: the slots were busy all along.
    if (this.drainFrom !== undefined && this.drainFrom > before) {
      this.sampleRate(this.drainFrom - before, now);
    }
    this.drainFrom = after > 0 ? after : undefined;
    this.drainStartedAt = now;
  }

  /** The worker has just started the buffer's last job. */
  bufferEmptied(): void {
    if (this.drainFrom === undefined) return;
    this.sampleRate(this.drainFrom, performance.now());
    this.drainFrom = undefined;
  }

  /** Claims have been answered, on average, more than `ms` after they were sent. */
  answersTakeLongerThan(ms: number): boolean {
    return this.latencyMs !== undefined && this.latencyMs > ms;
  }

  /** The buffer level at or below which a claim goes out (if it can be large enough). */
  private lowWater(): number {
    if (this.latencyMs === undefined || this.startRate === undefined) {
      return Number.POSITIVE_INFINITY;
    }
    const startedPerClaim = this.startRate * this.latencyMs;
    // A claim of the whole window takes one latency plus the time to run it, two claims
    // of half of it two latencies: waiting for an empty buffer wins once the slots
    // start more than the window in one latency.
    if (startedPerClaim >= this.window) return 0;
    return Math.ceil(startedPerClaim * LOW_WATER_MARGIN);
  }

  private sampleRate(started: number, now: number): void {
    // A buffer drained within one turn of the event loop can measure 0 ms.
    const elapsedMs = Math.max(now - this.drainStartedAt, 0.001);
    this.startRate = average(this.startRate, started / elapsedMs);
  }
}

function average(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous + SMOOTHING * (sample - previous);
}
