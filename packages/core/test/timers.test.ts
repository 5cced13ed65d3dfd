import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeadlineScheduler } from "../src/timers.ts";

describe("DeadlineScheduler", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires deadlines in time order, whatever order they were scheduled in", () => {
    const scheduler = new DeadlineScheduler();
    const fired: string[] = [];
    scheduler.schedule(() => fired.push("c"), 300);
    scheduler.schedule(() => fired.push("a"), 100);
    scheduler.schedule(() => fired.push("b"), 200);
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(["a"]);
    vi.advanceTimersByTime(200);
    expect(fired).toEqual(["a", "b", "c"]);
  });

  it("never fires a cancelled deadline, and cancelling twice or after firing is harmless", () => {
    const scheduler = new DeadlineScheduler();
    const fired: string[] = [];
    const cancelA = scheduler.schedule(() => fired.push("a"), 100);
    const cancelB = scheduler.schedule(() => fired.push("b"), 150);
    cancelA();
    cancelA();
    vi.advanceTimersByTime(200);
    expect(fired).toEqual(["b"]);
    cancelB();
    scheduler.schedule(() => fired.push("c"), 10);
    vi.advanceTimersByTime(10);
    expect(fired).toEqual(["b", "c"]);
  });

  it("calls a target's onDeadline, and never a cancelled target's", () => {
    const scheduler = new DeadlineScheduler();
    const fired: string[] = [];
    const target = (name: string) => ({ onDeadline: () => fired.push(name) });
    const kept = scheduler.add(target("kept"), 100);
    const dropped = scheduler.add(target("dropped"), 50);
    scheduler.cancel(dropped);
    scheduler.cancel(dropped);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(["kept"]);
    scheduler.cancel(kept);
    expect(kept.target).toBeUndefined();
  });

  it("waits past Node's 2^31-1 ms timer limit instead of firing at once", () => {
    const scheduler = new DeadlineScheduler();
    let fired = false;
    const delay = 2 ** 31 + 5_000;
    scheduler.schedule(() => {
      fired = true;
    }, delay);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(delay - (2 ** 31 - 1) - 1);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(true);
  });

  it("keeps every live deadline when many cancelled ones are compacted away", () => {
    const scheduler = new DeadlineScheduler();
    const fired: number[] = [];
    const cancels = [];
    for (let i = 0; i < 5_000; i += 1) {
      const cancel = scheduler.schedule(() => fired.push(i), 1_000 + (i % 97));
      if (i % 10 === 0) continue;
      cancels.push(cancel);
    }
    for (const cancel of cancels) cancel();
    vi.advanceTimersByTime(2_000);
    const expected = Array.from({ length: 500 }, (_, k) => k * 10);
    expect([...fired].sort((a, b) => a - b)).toEqual(expected);
    // Fired in deadline order.
    const deadlines = fired.map((i) => i % 97);
    expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
  });
});
