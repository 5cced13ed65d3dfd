import { MAX_TIMER_MS } from "./validation.ts";

/** Resolves after `delayMs`, or at once when `signal` aborts. */
export function sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const handle = setTimeout(done, delayMs);
    function done() {
      clearTimeout(handle);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** What a deadline calls when it passes: an object, so a caller needs no closure per deadline. */
export interface DeadlineTarget {
  onDeadline(): void;
}

/** A scheduled deadline; hand it to `cancel`. */
export interface Deadline {
  at: number;
  target: DeadlineTarget | undefined;
}

/**
 * Many deadlines behind one timer: a min-heap of deadlines and a single `setTimeout` armed
 * for the earliest. A worker runs thousands of short jobs a second, and a `setTimeout` +
 * `clearTimeout` per job showed up in its profile (docs/queue.md, worker). Cancelling only
 * clears the entry's callback; cancelled entries are dropped when they reach the top, or
 * all at once when they outnumber the live ones. Delays past Node's 2^31-1 ms limit work:
 * the timer is re-armed at most that far ahead.
 */
export class DeadlineScheduler {
  private heap: Deadline[] = [];
  private cancelled = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  /** Calls `callback` after `delayMs`; returns a cancel function. */
  schedule(callback: () => void, delayMs: number): () => void {
    const entry = this.add({ onDeadline: callback }, delayMs);
    return () => this.cancel(entry);
  }

  /**
   * Calls `target.onDeadline()` after `delayMs`. The worker schedules one deadline per job,
   * so this form takes an object the caller already has instead of two closures per job.
   */
  add(target: DeadlineTarget, delayMs: number): Deadline {
    const entry: Deadline = { at: Date.now() + Math.max(delayMs, 0), target };
    this.push(entry);
    if (entry.at < this.timerAt) this.arm();
    return entry;
  }

  /** Cancels `entry` if it has not fired; harmless to call again. */
  cancel(entry: Deadline): void {
    if (entry.target === undefined) return;
    entry.target = undefined;
    this.cancelled += 1;
    if (this.cancelled > 1024 && this.cancelled * 2 > this.heap.length) this.compact();
  }

  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const top = this.heap[0];
    if (top === undefined) return;
    this.timerAt = top.at;
    const delay = Math.min(Math.max(top.at - Date.now(), 0), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.fire(), delay);
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    const due: DeadlineTarget[] = [];
    for (let top = this.heap[0]; top !== undefined && top.at <= now; top = this.heap[0]) {
      this.pop();
      if (top.target === undefined) this.cancelled -= 1;
      else due.push(top.target);
      top.target = undefined;
    }
    this.arm();
    for (const target of due) target.onDeadline();
  }

  private compact(): void {
    const live = this.heap.filter((entry) => entry.target !== undefined);
    live.sort((a, b) => a.at - b.at); // a sorted array is a valid heap
    this.heap = live;
    this.cancelled = 0;
  }

  private push(entry: Deadline): void {
    const heap = this.heap;
    let index = heap.length;
    heap.push(entry);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as Deadline;
      if (parent.at <= entry.at) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const leftEntry = heap[left] as Deadline;
      const rightEntry = heap[right];
      const child = rightEntry !== undefined && rightEntry.at < leftEntry.at ? right : left;
      const childEntry = heap[child] as Deadline;
      if (childEntry.at >= last.at) break;
      heap[index] = childEntry;
      index = child;
    }
    heap[index] = last;
  }
}
