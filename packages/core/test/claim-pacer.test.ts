import { afterEach, describe, expect, it, vi } from "vitest";
import { ClaimPacer } from "../src/claim-pacer.ts";

/** A clock the test moves by hand, so the pacer's measurements are exact. */
function manualClock() {
  let now = 1_000;
  vi.spyOn(performance, "now").mockImplementation(() => now);
  return {
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

/** One claim cycle: sent, answered `latencyMs` later with `jobs` jobs, drained in `drainMs`. */
function cycle(
  pacer: ClaimPacer,
  clock: ReturnType<typeof manualClock>,
  jobs: number,
  latencyMs: number,
  drainMs: number,
) {
  const sentAt = clock.now();
  clock.advance(latencyMs);
  pacer.landed(sentAt, 0, jobs);
  clock.advance(drainMs);
  pacer.bufferEmptied();
}

describe("ClaimPacer (docs/architecture.md, Prefetch buffer)", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("until it has measured anything, claims once half the window is free", () => {
    const pacer = new ClaimPacer(10, 100);
    expect(pacer.claimLimit(0, 0)).toBe(110);
    expect(pacer.claimLimit(10, 46)).toBe(0);
    expect(pacer.claimLimit(10, 45)).toBe(55);
  });

  it("claims whenever a slot is idle and nothing is buffered", () => {
    const pacer = new ClaimPacer(10, 100);
    expect(pacer.claimLimit(9, 0)).toBe(101);
  });

  it("waits for an empty buffer and claims the whole room when the slots drain the window faster than a claim answers", () => {
    const clock = manualClock();
    const pacer = new ClaimPacer(10, 100);
    // 110 jobs drained in 1 ms, answers after 5 ms: 550 jobs per latency > 110.
    for (let i = 0; i < 3; i++) cycle(pacer, clock, 110, 5, 1);
    expect(pacer.claimLimit(10, 45)).toBe(0);
    expect(pacer.claimLimit(10, 1)).toBe(0);
    expect(pacer.claimLimit(10, 0)).toBe(100);
  });

  it("with slow jobs, claims once the buffer is down to what the slots start in two latencies", () => {
    const clock = manualClock();
    const pacer = new ClaimPacer(10, 100);
    // 110 jobs drained in 110 ms (1 job/ms), answers after 5 ms: low water 10 jobs.
    for (let i = 0; i < 3; i++) cycle(pacer, clock, 110, 5, 110);
    expect(pacer.claimLimit(10, 11)).toBe(0);
    expect(pacer.claimLimit(10, 10)).toBe(90);
  });

  it("never asks for more than the room left in the window", () => {
    const pacer = new ClaimPacer(2, 3);
    expect(pacer.claimLimit(2, 3)).toBe(0);
    expect(pacer.claimLimit(1, 0)).toBe(4);
  });

  it("tells a synchronous database from a networked one by when claims answer", () => {
    const clock = manualClock();
    const pacer = new ClaimPacer(1, 100);
    expect(pacer.answersTakeLongerThan(1)).toBe(false);
    cycle(pacer, clock, 101, 0, 1);
    expect(pacer.answersTakeLongerThan(1)).toBe(false);
    const networked = new ClaimPacer(1, 100);
    cycle(networked, clock, 101, 4, 1);
    expect(networked.answersTakeLongerThan(1)).toBe(true);
  });
});
