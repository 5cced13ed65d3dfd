import { type JobRecord, jobState, nextCronOccurrence, queueWorkerListJobs } from "@docket/core";
import { formatUtc, stateBadge, timeCell } from "../format.ts";
import { html, type SafeHtml } from "../html.ts";
import { layout } from "../layout.ts";
import { href, type PageContext } from "../page-context.ts";

/** How many runs after the pending one the schedule shows. */
const FOLLOWING_RUNS = 3;

/**
 * The cron schedule: each cron name's unfinished row (there is one per name) with its
 * next run and the runs after it, computed with core's cron helper (UTC).
 */
export async function cronPage(context: PageContext): Promise<SafeHtml> {
  const limit = context.options.pageSize;
  const lists = await Promise.all(
    (["running", "pending", "scheduled"] as const).map((state) =>
      queueWorkerListJobs(context.adapter, { cron: true, state, limit }),
    ),
  );
  const rows = lists
    .flat()
    .sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime() || a.id - b.id)
    .slice(0, limit);
  const table =
    rows.length === 0
      ? html`<p class="muted">No cron jobs are registered (queueWorkerRegisterCronJobs).</p>`
      : html`<table class="cron"><thead><tr><th scope="col">name</th><th scope="col">expression</th><th scope="col">state</th><th scope="col">next run</th><th scope="col">then</th><th scope="col" class="num">priority</th></tr></thead><tbody>${rows.map(
          (job) => cronRow(context, job),
        )}</tbody></table>`;
  return layout(context, "Cron", "cron", html`<h1>Cron schedule</h1>${table}`);
}

function cronRow(context: PageContext, job: JobRecord): SafeHtml {
  const expression = job.cronExpression ?? "";
  return html`<tr><td><a href="${href(context, `/jobs/${job.id}`)}">${job.name}</a></td><td><code>${expression}</code></td><td>${stateBadge(jobState(job, context.now))}</td><td>${timeCell(job.scheduledAt, context.now)}</td><td class="following">${followingRuns(expression, job.scheduledAt)}</td><td class="num">${job.priority}</td></tr>`;
}

function followingRuns(expression: string, after: Date): SafeHtml {
  const runs: string[] = [];
  try {
    let at = after;
    for (let i = 0; i < FOLLOWING_RUNS; i++) {
      at = nextCronOccurrence(expression, at);
      runs.push(formatUtc(at));
    }
  } catch {
    // A row written by something else than Docket may hold an expression it cannot parse.
    return html`<span class="muted">–</span>`;
  }
  return html`${runs.map((run) => html`<span>${run}</span>`)}`;
}
