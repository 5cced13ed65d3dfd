import {
  DocketError,
  type DocketEvent,
  eventStart,
  eventStop,
  type HandlerContext,
  type JobHandler,
  type JobRecord,
} from "@docket/core";
import { invalidArgument, type SessionCleanupResult } from "@docket/core/adapter";
import { adapterFromHandlerArgs } from "./adapter-from-handler.ts";

export interface JobSessionStoreCleanupOptions {
  /** Refresh tokens expired or revoked longer ago than this are deleted. Default 14. */
  maxRevokedAgeInDays?: number;
  /** When given (any positive number), sessions created longer ago than this are deleted. */
  maxSessionLifetimeInDays?: number;
}

const DAY_MS = 86_400_000;
/** A session younger than this is never deleted for lacking tokens: it may be mid-create. */
const ORPHAN_GRACE_MS = 60_000;

/**
 * Deletes old session store rows (docs/sessions.md): refresh tokens expired or revoked
 * before the cut-off (their access tokens with them), then sessions left without tokens
 * that are older than a minute, then, with `maxSessionLifetimeInDays`, sessions created
 * before that. Register it as `compas.sessionStore.cleanup` at `0 2 * * *`. Logs and
 * returns `{ deletedRefreshTokens, deletedSessions }`.
 */
export function jobSessionStoreCleanup(options: JobSessionStoreCleanupOptions = {}): JobHandler {
  const maxRevokedAgeInDays = options.maxRevokedAgeInDays ?? 14;
  if (
    typeof maxRevokedAgeInDays !== "number" ||
    !Number.isFinite(maxRevokedAgeInDays) ||
    maxRevokedAgeInDays < 0
  ) {
    throw invalidArgument("maxRevokedAgeInDays", "a non-negative number", maxRevokedAgeInDays);
  }
  const lifetime = options.maxSessionLifetimeInDays;
  if (
    lifetime !== undefined &&
    (typeof lifetime !== "number" || !Number.isFinite(lifetime) || lifetime <= 0)
  ) {
    throw invalidArgument("maxSessionLifetimeInDays", "a positive number", lifetime);
  }
  return async (
    event: DocketEvent,
    db: unknown,
    _job: JobRecord,
    context: HandlerContext,
  ): Promise<SessionCleanupResult> => {
    eventStart(event, "jobSessionStoreCleanup");
    const adapter = adapterFromHandlerArgs(db, context);
    const seam = adapter.sessions;
    if (seam === undefined) {
      throw new DocketError("unsupported", "this adapter has no session store", {
        field: "context.adapter",
      });
    }
    const now = (await adapter.now()).getTime();
    const result = await seam.cleanup({
      tokensBefore: new Date(now - maxRevokedAgeInDays * DAY_MS),
      orphansCreatedBefore: new Date(now - ORPHAN_GRACE_MS),
      sessionsCreatedBefore: lifetime === undefined ? null : new Date(now - lifetime * DAY_MS),
    });
    event.log.info({ type: "sessionStore.cleanup", ...result });
    eventStop(event);
    return result;
  };
}
