import { DocketError, invalidArgument } from "./errors.ts";
import type { Logger } from "./logger.ts";

/** One timed step in a handler's trace. */
export interface EventSpan {
  name: string | undefined;
  startTime: number | undefined;
  stopTime: number | undefined;
  durationMs: number | undefined;
  children: EventSpan[];
}

/**
 * The tracing handle handlers receive (the Compas `InsightEvent`): a logger, the job's
 * abort signal, and a span in a tree of timed steps.
 */
export interface DocketEvent {
  readonly log: Logger;
  readonly signal: AbortSignal | undefined;
  readonly parent: DocketEvent | undefined;
  readonly span: EventSpan;
}

/** A root event carrying `logger` and, optionally, the `signal` that aborts the work. */
export function newEvent(logger: Logger, signal?: AbortSignal): DocketEvent {
  if (!isLogger(logger))
    throw invalidArgument("logger", "an object with info and error functions", logger);
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidArgument("signal", "an AbortSignal", signal);
  }
  return { log: logger, signal, parent: undefined, span: emptySpan() };
}

/** A child event sharing the parent's logger and signal. Throws when the signal aborted. */
export function newEventFromEvent(event: DocketEvent): DocketEvent {
  assertEvent(event);
  throwIfAborted(event);
  const span = emptySpan();
  event.span.children.push(span);
  return { log: event.log, signal: event.signal, parent: event, span };
}

/** Names the event and starts its clock. Throws an abort error when the signal aborted. */
export function eventStart(event: DocketEvent, name: string): void {
  assertEvent(event);
  if (typeof name !== "string") throw invalidArgument("name", "a string", name);
  throwIfAborted(event);
  event.span.name = name;
  event.span.startTime = Date.now();
}

/** Renames a running event. Throws an abort error when the signal aborted. */
export function eventRename(event: DocketEvent, name: string): void {
  assertEvent(event);
  if (typeof name !== "string") throw invalidArgument("name", "a string", name);
  throwIfAborted(event);
  event.span.name = name;
}

/** Stops the event's clock and records its duration. Never throws; stopping twice is a no-op. */
export function eventStop(event: DocketEvent): void {
  if (!isEvent(event) || event.span.stopTime !== undefined) return;
  const now = Date.now();
  event.span.startTime ??= now;
  event.span.stopTime = now;
  event.span.durationMs = now - event.span.startTime;
}

function throwIfAborted(event: DocketEvent): void {
  const signal = event.signal;
  if (signal?.aborted) {
    const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
    throw new DocketError("aborted", `event aborted: ${reason}`, { cause: signal.reason });
  }
}

function emptySpan(): EventSpan {
  return {
    name: undefined,
    startTime: undefined,
    stopTime: undefined,
    durationMs: undefined,
    children: [],
  };
}

function isLogger(value: unknown): value is Logger {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Logger).info === "function" &&
    typeof (value as Logger).error === "function"
  );
}

function isEvent(value: unknown): value is DocketEvent {
  return typeof value === "object" && value !== null && "span" in value && "log" in value;
}

function assertEvent(value: unknown): asserts value is DocketEvent {
  if (!isEvent(value)) throw invalidArgument("event", "an event from newEvent", value);
}
