import { type JobRecord, jobState, queueWorkerGetJob } from "@docket/core";
import { stateBadge, timeCell } from "../format.ts";
import { html, type SafeHtml } from "../html.ts";
import { HttpError } from "../http.ts";
import { actionForm, layout } from "../layout.ts";
import { href, type PageContext } from "../page-context.ts";

/** The job with this id (from the path), or a 404. */
export async function loadJob(context: PageContext, idText: string): Promise<JobRecord> {
  const id = parseJobId(idText);
  const job = await queueWorkerGetJob(context.adapter, id);
  if (job === null) throw new HttpError(404, `job ${id} does not exist`);
  return job;
}

export function parseJobId(text: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new HttpError(404, "no such job");
  }
  return Number(text);
}

export async function jobDetailPage(
  context: PageContext,
  job: JobRecord,
  notice: SafeHtml | null,
): Promise<SafeHtml> {
  const body = html`<p class="crumbs"><a href="${href(context, "/jobs")}">Jobs</a> ›
<a href="${href(context, "/jobs", { name: job.name })}">${job.name}</a></p>
<h1>Job ${job.id}</h1>
${jobPanel(context, job)}`;
  return layout(context, `Job ${job.id}`, "jobs", body, notice);
}

/**
 * Everything about the job that can change. While the job is unfinished, htmx re-fetches
 * this panel every 2 s (/fragments/jobs/:id), so a retried job is seen completing; a
 * finished job's panel carries no trigger and the polling stops.
 */
export function jobPanel(context: PageContext, job: JobRecord): SafeHtml {
  const state = jobState(job, context.now);
  const live = job.isComplete
    ? html``
    : html` hx-get="${href(context, `/fragments/jobs/${job.id}`)}" hx-trigger="every 2s" hx-swap="outerHTML"`;
  const row = (label: string, value: SafeHtml | string | number) =>
    html`<tr><th scope="row">${label}</th><td>${value}</td></tr>`;
  return html`<div id="job-panel" data-state="${state}"${live}>
<section class="job-head"><span class="job-name">${job.name}</span> ${stateBadge(state)}</section>
${actions(context, job, state)}
<table class="fields"><tbody>
${row("state", stateBadge(state))}
${row("attempts (failed)", job.retryCount)}
${row("priority", job.priority)}
${row("created", timeCell(job.createdAt, context.now))}
${row("scheduled", timeCell(job.scheduledAt, context.now))}
${row("updated", timeCell(job.updatedAt, context.now))}
${row("completed", timeCell(job.completedAt, context.now))}
${row("failed", timeCell(job.failedAt, context.now))}
${row("cancelled", timeCell(job.cancelledAt, context.now))}
${row("lease", job.lockedBy === null ? html`<span class="muted">–</span>` : html`${job.lockedBy} until ${timeCell(job.lockedUntil, context.now)}`)}
${row("handler timeout", job.handlerTimeout === null ? html`<span class="muted">–</span>` : `${job.handlerTimeout} ms`)}
${row("cron", job.cronExpression === null ? html`<span class="muted">–</span>` : html`<code>${job.cronExpression}</code>`)}
</tbody></table>
<h2>Data</h2>
<pre class="data">${JSON.stringify(job.data, null, 2)}</pre>
<h2>Last error</h2>
${job.lastError === null ? html`<p class="muted">None.</p>` : html`<pre class="error">${job.lastError}</pre>`}
</div>`;
}

/** The buttons that apply to the job's state; the API still decides (a race may refuse). */
function actions(context: PageContext, job: JobRecord, state: string): SafeHtml {
  if (context.options.readOnly) return html``;
  if (state === "running") {
    return html`<p class="muted">Running: a worker holds its lease, so it cannot be changed.</p>`;
  }
  const base = `/jobs/${job.id}`;
  const buttons: SafeHtml[] = [];
  if (state === "failed" || state === "cancelled") {
    buttons.push(actionForm(context, href(context, `${base}/retry`), "Retry"));
  }
  if (state === "pending" || state === "scheduled") {
    buttons.push(
      actionForm(context, href(context, `${base}/cancel`), "Cancel", {
        confirm: `Cancel job ${job.id}?`,
      }),
    );
  }
  buttons.push(
    actionForm(context, href(context, `${base}/delete`), "Delete", {
      confirm: `Delete job ${job.id}? This cannot be undone.`,
      danger: true,
    }),
  );
  return html`<div class="actions">${buttons}</div>`;
}
