import { describe, expect, it } from "vitest";
import { isAbortError } from "../src/errors.ts";
import { eventRename, eventStart, eventStop, newEvent, newEventFromEvent } from "../src/events.ts";

const logger = { info: () => {}, error: () => {} };

describe("events", () => {
  it("records a span tree with durations", () => {
    const root = newEvent(logger);
    eventStart(root, "root");
    const child = newEventFromEvent(root);
    eventStart(child, "child");
    eventRename(child, "child.renamed");
    eventStop(child);
    eventStop(root);
    expect(root.span.name).toBe("root");
    expect(root.span.children[0]!.name).toBe("child.renamed");
    expect(root.span.children[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(child.log).toBe(logger);
  });

  it("throws a recognisable abort error once the signal aborted, except from eventStop", () => {
    const controller = new AbortController();
    const root = newEvent(logger, controller.signal);
    controller.abort(new Error("timeout"));
    for (const call of [
      () => eventStart(root, "x"),
      () => eventRename(root, "y"),
      () => newEventFromEvent(root),
    ]) {
      let caught: unknown;
      try {
        call();
      } catch (error) {
        caught = error;
      }
      expect(isAbortError(caught)).toBe(true);
    }
    expect(() => eventStop(root)).not.toThrow();
  });

  it("validates its arguments", () => {
    expect(() => newEvent({} as any)).toThrow(/logger/);
    expect(() => eventStart({} as any, "x")).toThrow(/event/);
  });
});
