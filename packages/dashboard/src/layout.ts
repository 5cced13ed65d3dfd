import { CSRF_FIELD } from "./csrf.ts";
import { html, type SafeHtml } from "./html.ts";
import { href, type PageContext } from "./page-context.ts";

/**
 * htmx settings for a strict CSP: no inline indicator styles, no `eval`, no scripts in
 * swapped content, requests only to this origin.
 */
const HTMX_CONFIG =
  '{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"selfRequestsOnly":true}';

export type NavSection = "overview" | "jobs" | "cron";

/** The whole page around `body`. Scripts and styles are served by the dashboard itself. */
export function layout(
  context: PageContext,
  title: string,
  section: NavSection | null,
  body: SafeHtml,
  notice: SafeHtml | null = null,
): SafeHtml {
  const link = (target: NavSection, label: string, path: string) =>
    html`<a href="${href(context, path)}"${section === target ? html` aria-current="page"` : ""}>${label}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<title>${title} · Docket</title>
<link rel="icon" href="${href(context, "/assets/favicon.svg")}" type="image/svg+xml">
<link rel="stylesheet" href="${href(context, "/assets/dashboard.css")}">
<script src="${href(context, "/assets/htmx.min.js")}" defer></script>
<script src="${href(context, "/assets/dashboard.js")}" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="${href(context, "/")}">Docket</a>
  <nav>${link("overview", "Overview", "/")}${link("jobs", "Jobs", "/jobs")}${link("cron", "Cron", "/cron")}</nav>
  ${context.options.readOnly ? html`<span class="badge read-only">read-only</span>` : ""}
</header>
<main>
${notice === null ? "" : html`<p class="notice" role="status">${notice}</p>`}
${body}
</main>
</body>
</html>
`;
}

/**
 * A one-button POST form carrying the CSRF token. `confirm` asks first (handled by
 * dashboard.js, so no inline script is needed).
 */
export function actionForm(
  context: PageContext,
  action: string,
  label: string,
  options: { fields?: Record<string, string>; confirm?: string; danger?: boolean } = {},
): SafeHtml {
  if (context.options.readOnly) return html``;
  const fields = Object.entries(options.fields ?? {}).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  return html`<form class="action" method="post" action="${action}"${
    options.confirm === undefined ? "" : html` data-confirm="${options.confirm}"`
  }><input type="hidden" name="${CSRF_FIELD}" value="${context.csrfToken}">${fields}<button type="submit"${
    options.danger === true ? html` class="danger"` : ""
  }>${label}</button></form>`;
}
