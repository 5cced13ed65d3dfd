import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { DocketError, type StorageAdapter } from "@docket/core";
import {
  JOB_ACTIONS,
  type JobAction,
  noticeText,
  runJobAction,
  runRetryFailed,
} from "./actions.ts";
import { CSRF_FIELD, CsrfGuard } from "./csrf.ts";
import { html, type SafeHtml } from "./html.ts";
import { HttpError, readForm, redirect, send } from "./http.ts";
import { layout } from "./layout.ts";
import {
  assertDashboardAdapter,
  type DashboardOptions,
  type ResolvedDashboardOptions,
  resolveDashboardOptions,
} from "./options.ts";
import { OverviewStatsCache } from "./overview-stats.ts";
import type { PageContext } from "./page-context.ts";
import { cronPage } from "./pages/cron.ts";
import { jobDetailPage, jobPanel, loadJob } from "./pages/job-detail.ts";
import { jobListPage, parseJobListQuery } from "./pages/job-list.ts";
import { overviewLive, overviewPage } from "./pages/overview.ts";
import { loadStaticAssets, type StaticAsset } from "./static-assets.ts";

/**
 * A `node:http` request listener. The optional `next` lets it sit in an Express-style
 * chain: requests outside the dashboard's routes go on to `next()` instead of a 404.
 */
export type DashboardHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

const HTML = "text/html; charset=utf-8";

/**
 * The dashboard as a request handler for `node:http` (and so for Express, Fastify's raw
 * request/response, Koa's `ctx.req`/`ctx.res`). Options are validated here, at once.
 */
export function createDashboardHandler(
  adapter: StorageAdapter,
  options: DashboardOptions = {},
): DashboardHandler {
  assertDashboardAdapter(adapter);
  const resolved = resolveDashboardOptions(options);
  const csrf = new CsrfGuard(resolved.csrfSecret, resolved.basePath);
  const assets = loadStaticAssets();
  const stats = new OverviewStatsCache(adapter, resolved.statsMaxAgeMs, resolved.logger);
  return (req, res, next) => {
    handle({ adapter, options: resolved, csrf, assets, stats }, req, res, next).catch((error) => {
      resolved.logger.error({
        type: "dashboard_error",
        method: req.method,
        url: req.url,
        message: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent) {
        send(res, 500, "text/plain; charset=utf-8", "Internal error; see the server log.");
      } else {
        res.destroy();
      }
    });
  };
}

interface HandlerState {
  adapter: StorageAdapter;
  options: ResolvedDashboardOptions;
  csrf: CsrfGuard;
  assets: ReadonlyMap<string, StaticAsset>;
  stats: OverviewStatsCache;
}

async function handle(
  state: HandlerState,
  req: IncomingMessage,
  res: ServerResponse,
  next: ((error?: unknown) => void) | undefined,
): Promise<void> {
  const started = performance.now();
  const { options } = state;
  if (options.authorize !== null && !(await isAuthorized(options, req))) {
    send(res, 403, "text/plain; charset=utf-8", "Forbidden");
    return;
  }
  const url = new URL(req.url ?? "/", "http://dashboard.invalid");
  const path = routePath(url.pathname, options.basePath);
  const method = req.method ?? "GET";

  const asset = path.startsWith("/assets/") ? state.assets.get(path.slice(8)) : undefined;
  if (asset !== undefined && (method === "GET" || method === "HEAD")) {
    send(res, 200, asset.contentType, asset.body, { "Cache-Control": "public, max-age=3600" });
    return;
  }

  const route = matchRoute(method, path);
  if (route === null) {
    if (next !== undefined) return next();
    await sendPage(state, req, res, started, 404, async (context) =>
      errorPage(context, 404, "There is no such page."),
    );
    return;
  }
  if (route.kind === "method-not-allowed") {
    send(res, 405, "text/plain; charset=utf-8", "Method not allowed", { Allow: route.allow });
    return;
  }
  if (route.kind === "action") {
    await handleAction(state, req, res, started, route);
    return;
  }
  const notice = noticeText(url.searchParams);
  const noticeHtml = notice === null ? null : html`${notice}`;
  await sendPage(state, req, res, started, 200, async (context) => {
    switch (route.page) {
      case "overview":
        return overviewPage(context, noticeHtml);
      case "overview-fragment":
        return overviewLive(context);
      case "jobs":
        return jobListPage(context, parseJobListQuery(url.searchParams), noticeHtml);
      case "job":
        return jobDetailPage(context, await loadJob(context, route.id), noticeHtml);
      case "job-fragment":
        return jobPanel(context, await loadJob(context, route.id));
      case "cron":
        return cronPage(context);
    }
  });
}

type Route =
  | { kind: "page"; page: "overview" | "overview-fragment" | "jobs" | "cron"; id?: undefined }
  | { kind: "page"; page: "job" | "job-fragment"; id: string }
  | { kind: "action"; action: JobAction; id: string }
  | { kind: "action"; action: "retry-failed"; id?: undefined }
  | { kind: "method-not-allowed"; allow: string };

function matchRoute(method: string, path: string): Route | null {
  const isRead = method === "GET" || method === "HEAD";
  const page = (route: Route): Route =>
    isRead ? route : { kind: "method-not-allowed", allow: "GET, HEAD" };
  const action = (route: Route): Route =>
    method === "POST" ? route : { kind: "method-not-allowed", allow: "POST" };
  if (path === "/") return page({ kind: "page", page: "overview" });
  if (path === "/fragments/overview") return page({ kind: "page", page: "overview-fragment" });
  if (path === "/jobs") return page({ kind: "page", page: "jobs" });
  if (path === "/cron") return page({ kind: "page", page: "cron" });
  if (path === "/jobs/retry-failed") return action({ kind: "action", action: "retry-failed" });
  const fragment = /^\/fragments\/jobs\/([^/]+)$/.exec(path);
  if (fragment !== null) return page({ kind: "page", page: "job-fragment", id: fragment[1]! });
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  if (job !== null) return page({ kind: "page", page: "job", id: job[1]! });
  const jobAction = /^\/jobs\/([^/]+)\/([a-z]+)$/.exec(path);
  if (jobAction !== null && JOB_ACTIONS.includes(jobAction[2] as JobAction)) {
    return action({ kind: "action", action: jobAction[2] as JobAction, id: jobAction[1]! });
  }
  return null;
}

/** The path inside the dashboard, whether or not a framework stripped the mount path. */
function routePath(pathname: string, basePath: string): string {
  if (basePath !== "" && (pathname === basePath || pathname.startsWith(`${basePath}/`))) {
    pathname = pathname.slice(basePath.length);
  }
  if (pathname.length > 1 && pathname.endsWith("/")) pathname = pathname.slice(0, -1);
  return pathname === "" ? "/" : pathname;
}

async function isAuthorized(options: ResolvedDashboardOptions, req: IncomingMessage) {
  try {
    return (await options.authorize?.(req)) === true;
  } catch (error) {
    // Fail closed: a broken authorize hook denies, and says why in the log.
    options.logger.error({
      type: "dashboard_authorize_error",
      message: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
}

async function pageContext(state: HandlerState, req: IncomingMessage, res: ServerResponse) {
  const context: PageContext = {
    adapter: state.adapter,
    options: state.options,
    csrfToken: state.options.readOnly ? "" : state.csrf.tokenFor(req, res),
    now: await state.adapter.now(),
    stats: state.stats,
  };
  return context;
}

async function sendPage(
  state: HandlerState,
  req: IncomingMessage,
  res: ServerResponse,
  started: number,
  status: number,
  render: (context: PageContext) => Promise<SafeHtml>,
): Promise<void> {
  const context = await pageContext(state, req, res);
  let body: SafeHtml;
  try {
    body = await render(context);
  } catch (error) {
    const known = knownError(error);
    if (known === null) throw error;
    status = known.status;
    body = errorPage(context, known.status, known.message);
  }
  send(res, status, HTML, body.value, timingHeaders(started));
}

async function handleAction(
  state: HandlerState,
  req: IncomingMessage,
  res: ServerResponse,
  started: number,
  route: Extract<Route, { kind: "action" }>,
): Promise<void> {
  const context = await pageContext(state, req, res);
  const fail = (status: number, message: string) =>
    send(res, status, HTML, errorPage(context, status, message).value, timingHeaders(started));
  if (state.options.readOnly) return fail(403, "This dashboard is read-only.");
  // Browsers say where a request came from; a cross-site POST is refused before the token
  // is even looked at (the token check below is what makes this safe everywhere else).
  if (req.headers["sec-fetch-site"] === "cross-site") {
    return fail(403, "Cross-site requests are refused.");
  }
  let form: Record<string, string>;
  try {
    form = await readForm(req);
  } catch (error) {
    const known = knownError(error);
    if (known === null) throw error;
    return fail(known.status, known.message);
  }
  if (!state.csrf.verify(req, form[CSRF_FIELD])) {
    return fail(403, "The form's CSRF token is missing or invalid; reload the page and try again.");
  }
  try {
    const outcome =
      route.action === "retry-failed"
        ? await runRetryFailed(context, form)
        : await runJobAction(context, route.id, route.action);
    redirect(res, outcome.location);
  } catch (error) {
    const known = knownError(error);
    if (known === null) throw error;
    return fail(known.status, known.message);
  }
}

/** HTTP errors and bad-input errors from the API become pages; anything else is a 500. */
function knownError(error: unknown): { status: number; message: string } | null {
  if (error instanceof HttpError) return { status: error.status, message: error.message };
  if (
    error instanceof DocketError &&
    (error.code === "invalid_argument" || error.code === "invalid_option")
  ) {
    return { status: 400, message: error.message };
  }
  return null;
}

function errorPage(context: PageContext, status: number, message: string): SafeHtml {
  const title = status === 404 ? "Not found" : status === 409 ? "Not changed" : `Error ${status}`;
  return layout(
    context,
    title,
    null,
    html`<h1>${title}</h1><p class="error-message">${message}</p>`,
  );
}

function timingHeaders(started: number): Record<string, string> {
  return {
    "Cache-Control": "no-store",
    "Server-Timing": `app;dur=${(performance.now() - started).toFixed(1)}`,
  };
}
