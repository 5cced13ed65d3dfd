import type { JobState } from "@docket/core";
import { html, type SafeHtml } from "./html.ts";

/** `2026-12-01 21:58:48Z`: UTC, second precision, the same on every page. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

/** `3 min ago`, `in 2 h`: the distance from `now`, rounded to one unit. */
export function formatRelative(date: Date, now: Date): string {
  const deltaMs = date.getTime() - now.getTime();
  const abs = Math.abs(deltaMs);
  let text: string;
  if (abs < 1_000) return "now";
  if (abs < 60_000) text = `${Math.round(abs / 1_000)} s`;
  else if (abs < 3_600_000) text = `${Math.round(abs / 60_000)} min`;
  else if (abs < 86_400_000) text = `${Math.round(abs / 3_600_000)} h`;
  else text = `${Math.round(abs / 86_400_000)} d`;
  return deltaMs < 0 ? `${text} ago` : `in ${text}`;
}

/** A `<time>` element with the UTC time and, beside it, how far it is from `now`. */
export function timeCell(date: Date | null, now: Date): SafeHtml {
  if (date === null) return html`<span class="muted">–</span>`;
  return html`<time datetime="${date.toISOString()}">${formatUtc(date)}</time>
    <span class="muted">${formatRelative(date, now)}</span>`;
}

export function stateBadge(state: JobState): SafeHtml {
  return html`<span class="badge state-${state}">${state}</span>`;
}

/** The first line of an error, cut to `max` characters, for tables. */
export function errorSummary(text: string | null, max = 120): string {
  if (text === null) return "";
  const firstLine = text.split("\n", 1)[0] ?? "";
  return firstLine.length > max ? `${firstLine.slice(0, max)}…` : firstLine;
}

/** Integer with thousands separators, locale-independent. */
export function formatCount(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
