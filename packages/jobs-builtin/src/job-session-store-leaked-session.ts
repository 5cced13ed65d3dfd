import {
  type DocketEvent,
  eventStart,
  eventStop,
  type JobHandler,
  type JobRecord,
} from "@docket/core";
import { invalidArgument } from "@docket/core/adapter";

export interface JobSessionStoreProcessLeakedSessionOptions {
  /** Log the report's session as it is (`sessionStore.leakedSession.dump`) instead. */
  useDump?: boolean;
}

interface ReportToken {
  createdAt?: unknown;
  revokedAt?: unknown;
}

/**
 * Handles `compas.sessionStore.potentialLeakedSession` (enqueued by
 * `sessionStoreRefreshTokens` when a refresh token is reused after the grace window) and
 * logs one entry (docs/sessions.md):
 * - `{ type: "sessionStore.leakedSession.report", session: { sessionCreated,
 *   sessionRevoked, lastRefreshTimes } }` with the four most recent access tokens by
 *   `createdAt` as `{ createdAt, revokedAt }`; a missing time stays null (Compas made it
 *   1970);
 * - with `useDump`: `{ type: "sessionStore.leakedSession.dump", session }`, the report's
 *   session unchanged.
 * Send these entries where your security alerts go (the worker's `logger`).
 */
export function jobSessionStoreProcessLeakedSession(
  options: JobSessionStoreProcessLeakedSessionOptions = {},
): JobHandler {
  if (options.useDump !== undefined && typeof options.useDump !== "boolean") {
    throw invalidArgument("useDump", "a boolean", options.useDump);
  }
  const useDump = options.useDump === true;
  return (event: DocketEvent, _db: unknown, job: JobRecord) => {
    eventStart(event, "jobSessionStoreProcessLeakedSession");
    const session = reportSession(job.data);
    if (useDump) {
      event.log.info({ type: "sessionStore.leakedSession.dump", session });
      eventStop(event);
      return;
    }
    const tokens = Array.isArray(session.tokens) ? (session.tokens as ReportToken[]) : [];
    const lastRefreshTimes = tokens
      .map((token) => ({
        createdAt: timeOrNull(token?.createdAt),
        revokedAt: timeOrNull(token?.revokedAt),
      }))
      .sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? ""))
      .slice(-4);
    event.log.info({
      type: "sessionStore.leakedSession.report",
      session: {
        sessionCreated: timeOrNull(session.createdAt),
        sessionRevoked: timeOrNull(session.revokedAt),
        lastRefreshTimes,
      },
    });
    eventStop(event);
  };
}

function reportSession(data: unknown): Record<string, unknown> {
  const report = (data as { report?: { session?: unknown } } | null)?.report;
  const session = report?.session;
  if (typeof session !== "object" || session === null) {
    throw invalidArgument("job.data.report.session", "a leaked-session report", session);
  }
  return session as Record<string, unknown>;
}

/** An ISO time (normalised), or null when absent or not a time. */
function timeOrNull(value: unknown): string | null {
  if (typeof value !== "string" && !(value instanceof Date)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
