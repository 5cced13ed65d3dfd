import { type JobRecord, type JobState, jobState } from "@docket/core";
import { type Colors, oneLine } from "./output.ts";

/** `2030-01-31 12:00:00Z`: second precision is enough on a terminal. */
export function formatTime(date: Date | null): string {
  return date === null ? "-" : `${date.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

export function paintState(state: JobState, color: Colors): string {
  switch (state) {
    case "failed":
      return color.red(state);
    case "completed":
      return color.green(state);
    case "running":
      return color.cyan(state);
    case "scheduled":
      return color.yellow(state);
    case "cancelled":
      return color.dim(state);
    default:
      return state;
  }
}

/** A job as scripts get it: the record with its state at `now`. */
export function jobJson(job: JobRecord, now: Date): Record<string, unknown> {
  return { ...job, state: jobState(job, now) };
}

export const JOB_TABLE_HEADERS = [
  "ID",
  "NAME",
  "STATE",
  "PRI",
  "ATTEMPTS",
  "SCHEDULED",
  "FINISHED",
  "LAST ERROR",
];

export function jobTableRow(job: JobRecord, now: Date, color: Colors): string[] {
  return [
    String(job.id),
    oneLine(job.name, 40),
    paintState(jobState(job, now), color),
    String(job.priority),
    String(job.retryCount),
    formatTime(job.scheduledAt),
    formatTime(job.completedAt),
    job.lastError === null ? "" : color.dim(oneLine(job.lastError, 60)),
  ];
}
