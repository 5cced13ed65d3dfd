import {
  type JobActionResult,
  queueWorkerCancelJob,
  queueWorkerDeleteJob,
  queueWorkerRetryFailedJobs,
  queueWorkerRetryJob,
} from "@docket/core";
import { HttpError } from "./http.ts";
import { href, type PageContext } from "./page-context.ts";
import { parseJobId } from "./pages/job-detail.ts";

export type JobAction = "retry" | "cancel" | "delete";
export const JOB_ACTIONS: readonly JobAction[] = ["retry", "cancel", "delete"];

/** Where the browser goes after an action that changed something (POST → 303 → GET). */
export interface ActionOutcome {
  location: string;
}

/**
 * Runs one job action. A refusal by the API (the job is running, gone, or in a state the
 * action does not apply to) is an HTTP error with a message saying why; nothing changed.
 */
export async function runJobAction(
  context: PageContext,
  idText: string,
  action: JobAction,
): Promise<ActionOutcome> {
  const id = parseJobId(idText);
  const call = {
    retry: queueWorkerRetryJob,
    cancel: queueWorkerCancelJob,
    delete: queueWorkerDeleteJob,
  }[action];
  const result: JobActionResult = await call(context.adapter, id);
  if (!result.ok) throw refusal(id, action, result);
  const notice = { retry: "retried", cancel: "cancelled", delete: "deleted" }[action];
  if (action === "delete") return { location: href(context, "/jobs", { notice, id }) };
  return { location: href(context, `/jobs/${id}`, { notice }) };
}

/** Retries every failed job, of one name when the form names one. */
export async function runRetryFailed(
  context: PageContext,
  form: Record<string, string>,
): Promise<ActionOutcome> {
  const name = form.name ?? "";
  if (name.length > 255) throw new HttpError(400, "name is longer than 255 characters");
  const count = await queueWorkerRetryFailedJobs(context.adapter, name === "" ? {} : { name });
  return {
    location: href(context, "/jobs", {
      name: name === "" ? undefined : name,
      notice: "retried-failed",
      count,
    }),
  };
}

function refusal(
  id: number,
  action: JobAction,
  result: Extract<JobActionResult, { ok: false }>,
): HttpError {
  if (result.reason === "not_found") return new HttpError(404, `job ${id} does not exist`);
  if (result.reason === "running") {
    return new HttpError(
      409,
      `job ${id} is running; a worker holds its lease, so it was not changed`,
    );
  }
  const state = result.state === undefined ? "" : ` (it is ${result.state})`;
  return new HttpError(
    409,
    `cannot ${action} job ${id} in its current state${state}; nothing changed`,
  );
}

/** The message shown after a redirect, from a fixed list: the query string never becomes text. */
export function noticeText(search: URLSearchParams): string | null {
  const id = search.get("id") ?? "";
  const count = search.get("count") ?? "";
  switch (search.get("notice")) {
    case "retried":
      return "Retried: the job is pending again and runs when a worker picks it up.";
    case "cancelled":
      return "Cancelled: the job will not run.";
    case "deleted":
      return /^[0-9]{1,16}$/.test(id) ? `Deleted job ${id}.` : "Deleted the job.";
    case "retried-failed":
      return /^[0-9]{1,16}$/.test(count)
        ? `Retried ${count} failed job${count === "1" ? "" : "s"}.`
        : "Retried the failed jobs.";
    default:
      return null;
  }
}
