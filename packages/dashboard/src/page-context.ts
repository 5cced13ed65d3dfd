import type { StorageAdapter } from "@docket/core";
import type { ResolvedDashboardOptions } from "./options.ts";
import type { OverviewStatsCache } from "./overview-stats.ts";

/** What every page needs to render: the queue, the options, this browser's CSRF token. */
export interface PageContext {
  readonly adapter: StorageAdapter;
  readonly options: ResolvedDashboardOptions;
  /** The token the page's forms carry; empty when the dashboard is read-only. */
  readonly csrfToken: string;
  /** The adapter's clock when the request started (states and "3 min ago" use it). */
  readonly now: Date;
  /** The overview's aggregates, shared between requests (see `statsMaxAgeMs`). */
  readonly stats: OverviewStatsCache;
}

/** A link inside the dashboard: base path + path + the query parameters that are set. */
export function href(
  context: PageContext,
  path: string,
  params: Record<string, string | number | undefined> = {},
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const query = search.toString();
  return `${context.options.basePath}${path}${query === "" ? "" : `?${query}`}`;
}
