import { JOB_STATES, type JobNameCounts, type JobState } from "@docket/core";
import { activityChart } from "../activity-chart.ts";
import { formatCount, formatUtc } from "../format.ts";
import { html, type SafeHtml } from "../html.ts";
import { actionForm, layout } from "../layout.ts";
import { href, type PageContext } from "../page-context.ts";

/** States counted over the last hour only (see `OverviewStats`). */
const FINISHED: ReadonlySet<JobState> = new Set(["completed", "failed", "cancelled"]);

/** The overview page: totals by state, the last hour's chart, counts per name. */
export async function overviewPage(
  context: PageContext,
  notice: SafeHtml | null,
): Promise<SafeHtml> {
  const live = await overviewLive(context);
  return layout(context, "Overview", "overview", html`<h1>Overview</h1>${live}`, notice);
}

/**
 * The part of the overview that refreshes itself every 5 s (htmx swaps this element with
 * the same fragment, served at /fragments/overview).
 */
export async function overviewLive(context: PageContext): Promise<SafeHtml> {
  const { byName, activity, since, at } = await context.stats.get(context.now);
  const totals = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<
    JobState,
    number
  >;
  for (const row of byName) {
    for (const state of JOB_STATES) totals[state] += countOf(row, state);
  }
  const cards = JOB_STATES.map(
    (state) => html`<a class="card state-${state}" href="${href(context, "/jobs", { state })}">
<span class="card-count" data-state="${state}">${formatCount(totals[state])}</span>
<span class="card-label">${state}${FINISHED.has(state) ? html` <span class="window">last hour</span>` : ""}</span></a>`,
  );
  return html`<div id="overview-live" hx-get="${href(context, "/fragments/overview")}" hx-trigger="every 5s" hx-swap="outerHTML">
<section class="cards" aria-label="Jobs by state">${cards}</section>
<p class="muted as-of">As of <time datetime="${at.toISOString()}">${formatUtc(at)}</time>, refreshed every 5 s. Pending, scheduled and running: all of them; completed, failed and cancelled: finished in the last hour (the job list shows every one).</p>
<section><h2>Last hour</h2>${activityChart(activity, since)}</section>
<section><h2>By name</h2>${namesTable(context, byName)}</section>
</div>`;
}

function countOf(row: JobNameCounts, state: JobState): number {
  return row[state];
}

function namesTable(context: PageContext, byName: readonly JobNameCounts[]): SafeHtml {
  if (byName.length === 0) return html`<p class="muted">No jobs yet.</p>`;
  // Bounded like every other response: the names with the most jobs first.
  const shown = [...byName]
    .sort((a, b) => total(b) - total(a) || (a.name < b.name ? -1 : 1))
    .slice(0, context.options.pageSize);
  const rows = shown.map((row) => {
    const cells = JOB_STATES.map((state) => {
      const count = countOf(row, state);
      return html`<td class="num">${
        count === 0
          ? html`<span class="muted">0</span>`
          : html`<a href="${href(context, "/jobs", { name: row.name, state })}">${formatCount(count)}</a>`
      }</td>`;
    });
    // Retries every failed job of the name, not only the last hour's.
    const retry =
      row.failed > 0
        ? actionForm(context, href(context, "/jobs/retry-failed"), "Retry all failed", {
            fields: { name: row.name },
            confirm: `Retry every failed "${row.name}" job?`,
          })
        : html``;
    return html`<tr><th scope="row"><a href="${href(context, "/jobs", { name: row.name })}">${row.name}</a></th>${cells}<td>${retry}</td></tr>`;
  });
  const more =
    byName.length > shown.length
      ? html`<p class="muted">${formatCount(byName.length - shown.length)} more names not shown; filter the job list by name.</p>`
      : html``;
  return html`<table class="names"><thead><tr><th scope="col">name</th>${JOB_STATES.map(
    (state) =>
      html`<th scope="col" class="num">${state}${FINISHED.has(state) ? html`<br><span class="window">last hour</span>` : ""}</th>`,
  )}<th scope="col"></th></tr></thead><tbody>${rows}</tbody></table>${more}`;
}

function total(row: JobNameCounts): number {
  return JOB_STATES.reduce((sum, state) => sum + countOf(row, state), 0);
}
