import { JOB_STATES, type JobState, jobState, queueWorkerListJobs } from "@docket/core";
import { errorSummary, stateBadge, timeCell } from "../format.ts";
import { html, type SafeHtml } from "../html.ts";
import { HttpError } from "../http.ts";
import { actionForm, layout } from "../layout.ts";
import { href, type PageContext } from "../page-context.ts";

export interface JobListQuery {
  name: string | undefined;
  state: JobState | undefined;
  beforeId: number | undefined;
}

/** Reads `name`, `state` and `before` from the query string; bad values are a 400. */
export function parseJobListQuery(search: URLSearchParams): JobListQuery {
  const name = search.get("name") ?? "";
  const state = search.get("state") ?? "";
  const before = search.get("before") ?? "";
  if (name.length > 255) throw new HttpError(400, "name is longer than 255 characters");
  if (state !== "" && !JOB_STATES.includes(state as JobState)) {
    throw new HttpError(400, `state must be one of ${JOB_STATES.join(", ")}`);
  }
  if (before !== "" && !/^[1-9][0-9]{0,15}$/.test(before)) {
    throw new HttpError(400, "before must be a positive integer");
  }
  return {
    name: name === "" ? undefined : name,
    state: state === "" ? undefined : (state as JobState),
    beforeId: before === "" ? undefined : Number(before),
  };
}

/**
 * Jobs newest first, one page at a time. Paging is by id (`before` = the last id shown),
 * so a deep page costs the same as the first and rows never shift between pages.
 */
export async function jobListPage(
  context: PageContext,
  query: JobListQuery,
  notice: SafeHtml | null,
): Promise<SafeHtml> {
  const pageSize = context.options.pageSize;
  // One row more than a page tells whether an older page exists.
  const rows = await queueWorkerListJobs(context.adapter, {
    name: query.name,
    state: query.state,
    beforeId: query.beforeId,
    limit: pageSize + 1,
  });
  const jobs = rows.slice(0, pageSize);
  const hasOlder = rows.length > pageSize;
  const filters = { name: query.name, state: query.state };
  const table =
    jobs.length === 0
      ? html`<p class="muted">No jobs match.</p>`
      : html`<table class="jobs"><thead><tr><th scope="col" class="num">id</th><th scope="col">name</th><th scope="col">state</th><th scope="col" class="num">priority</th><th scope="col" class="num">attempts</th><th scope="col">scheduled</th><th scope="col">updated</th><th scope="col">last error</th></tr></thead><tbody>${jobs.map(
          (job) =>
            html`<tr><td class="num"><a href="${href(context, `/jobs/${job.id}`)}">${job.id}</a></td><td><a href="${href(context, `/jobs/${job.id}`)}">${job.name}</a></td><td>${stateBadge(jobState(job, context.now))}</td><td class="num">${job.priority}</td><td class="num">${job.retryCount}</td><td>${timeCell(job.scheduledAt, context.now)}</td><td>${timeCell(job.updatedAt, context.now)}</td><td class="error-summary">${errorSummary(job.lastError)}</td></tr>`,
        )}</tbody></table>`;
  const lastId = jobs.at(-1)?.id;
  const pager = html`<nav class="pager" aria-label="Pages">${
    query.beforeId === undefined
      ? ""
      : html`<a href="${href(context, "/jobs", filters)}">« Newest</a>`
  }${
    hasOlder && lastId !== undefined
      ? html`<a rel="next" href="${href(context, "/jobs", { ...filters, before: lastId })}">Older »</a>`
      : ""
  }</nav>`;
  const bulkRetry =
    query.state === "failed" && jobs.length > 0
      ? actionForm(
          context,
          href(context, "/jobs/retry-failed"),
          query.name === undefined
            ? "Retry all failed jobs"
            : `Retry all failed "${query.name}" jobs`,
          {
            fields: query.name === undefined ? {} : { name: query.name },
            confirm:
              query.name === undefined
                ? "Retry every failed job?"
                : `Retry every failed "${query.name}" job?`,
          },
        )
      : html``;
  const body = html`<h1>Jobs</h1>
<form class="filters" method="get" action="${href(context, "/jobs")}">
<label>name <input type="text" name="name" value="${query.name ?? ""}" maxlength="255" autocomplete="off"></label>
<label>state <select name="state"><option value="">any</option>${JOB_STATES.map(
    (state) =>
      html`<option value="${state}"${query.state === state ? html` selected` : ""}>${state}</option>`,
  )}</select></label>
<button type="submit">Filter</button>
${query.name !== undefined || query.state !== undefined ? html`<a href="${href(context, "/jobs")}">clear</a>` : ""}
</form>
${bulkRetry}
${table}
${pager}`;
  return layout(context, "Jobs", "jobs", body, notice);
}
