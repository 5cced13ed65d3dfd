import { DocketError, type JsonValue, queueWorkerAddJob, type StorageAdapter } from "@docket/core";
import type { SessionStoreSeam, SessionTokenRow } from "@docket/core/adapter";
import { sessionSeamOf, toSession } from "./session-seam.ts";
import { type SessionStoreSettings, validateSessionStoreSettings } from "./session-settings.ts";
import { newTokenPair, signPair } from "./session-store.ts";
import { verifySessionToken } from "./session-tokens.ts";
import {
  type LeakedSessionReport,
  REFRESH_TOKEN_GRACE_PERIOD_MS,
  SESSION_STORE_POTENTIAL_LEAKED_SESSION_JOB_NAME,
  type SessionTokenPair,
} from "./session-types.ts";

/**
 * Swaps a refresh token for a new pair, revoking the used refresh token and its access
 * token (docs/sessions.md):
 * - a refresh token revoked less than 15 s ago (two tabs refreshing at once) gets another
 *   pair; the window counts from the first revocation and does not slide;
 * - one revoked longer ago was used twice, so it may be stolen: the whole session is
 *   revoked and one `compas.sessionStore.potentialLeakedSession` job is enqueued, in one
 *   transaction, only by the caller whose revoke changed the session row (so concurrent
 *   replays report once); every such call rejects with `session_revoked`.
 */
export async function sessionStoreRefreshTokens(
  adapter: StorageAdapter,
  settings: SessionStoreSettings,
  refreshToken: unknown,
): Promise<SessionTokenPair> {
  const seam = sessionSeamOf(adapter);
  validateSessionStoreSettings(settings);
  const tokenId = await verifySessionToken(
    settings.signingKey,
    "refresh",
    refreshToken,
    "refreshToken",
  );
  const found = await seam.getRefreshToken(tokenId);
  if (found === null) {
    throw new DocketError("session_not_found", "refreshToken: no such session", {
      field: "refreshToken",
    });
  }
  const { token, session, now } = found;
  if (session.revokedAt !== null) throw revokedError();
  if (token.expiresAt.getTime() <= now.getTime()) {
    throw new DocketError("session_token_expired", "refreshToken has expired", {
      field: "refreshToken",
    });
  }
  if (
    token.revokedAt !== null &&
    now.getTime() - token.revokedAt.getTime() > REFRESH_TOKEN_GRACE_PERIOD_MS
  ) {
    await revokeLeakedSession(adapter, session.id, now);
    throw revokedError();
  }
  const pair = await newTokenPair(settings, toSession(session), now);
  const tokens = await signPair(settings, pair);
  await seam.rotateTokens(token.id, pair, now);
  return tokens;
}

function revokedError(): DocketError {
  return new DocketError("session_revoked", "refreshToken: the session was revoked", {
    field: "refreshToken",
  });
}

/** Revokes the session and, if this call was the one that revoked it, reports it. */
async function revokeLeakedSession(
  adapter: StorageAdapter,
  sessionId: string,
  now: Date,
): Promise<void> {
  await adapter.transaction(async (tx) => {
    const seam = sessionSeamOf(tx.adapter);
    // The affected-row count decides, not an earlier read: of two concurrent replays only
    // one changes the session row, and only that one enqueues.
    if ((await seam.revokeSession(sessionId, now)) === 0) return;
    const report = await leakReport(seam, sessionId);
    if (report === null) return;
    await queueWorkerAddJob(tx.adapter, {
      name: SESSION_STORE_POTENTIAL_LEAKED_SESSION_JOB_NAME,
      // Plain JSON (strings and nulls): the interface only lacks JsonValue's index signature.
      data: { report: report as unknown as JsonValue },
    });
  });
}

async function leakReport(
  seam: SessionStoreSeam,
  sessionId: string,
): Promise<LeakedSessionReport | null> {
  const session = await seam.getSession(sessionId);
  if (session === null) return null;
  const accessTokens = (await seam.listTokens(sessionId)).filter(
    (token: SessionTokenRow) => token.refreshTokenId !== null,
  );
  return {
    session: {
      id: session.id,
      revokedAt: session.revokedAt?.toISOString() ?? null,
      createdAt: session.createdAt.toISOString(),
      updatedAt: session.updatedAt.toISOString(),
      tokens: accessTokens.map((token) => ({
        id: token.id,
        createdAt: token.createdAt.toISOString(),
        revokedAt: token.revokedAt?.toISOString() ?? null,
        expiresAt: token.expiresAt.toISOString(),
      })),
    },
  };
}
