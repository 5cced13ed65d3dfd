import { randomUUID } from "node:crypto";
import { DocketError, type StorageAdapter } from "@docket/core";
import { invalidArgument, type NewTokenPair } from "@docket/core/adapter";
import { sessionDataChecksum, sessionDataToJson } from "./session-data.ts";
import { sessionSeamOf, toSession } from "./session-seam.ts";
import {
  resolveTokenMaxAges,
  type SessionStoreSettings,
  validateSessionStoreSettings,
} from "./session-settings.ts";
import { signSessionToken, verifySessionToken } from "./session-tokens.ts";
import type { Session, SessionTokenPair } from "./session-types.ts";

/**
 * Creates a session with `data` and returns its first token pair. Settings and data are
 * checked before anything is written; the session and both tokens are inserted in one
 * atomic unit.
 */
export async function sessionStoreCreate(
  adapter: StorageAdapter,
  settings: SessionStoreSettings,
  data: unknown,
): Promise<SessionTokenPair> {
  const seam = sessionSeamOf(adapter);
  validateSessionStoreSettings(settings);
  const dataJson = sessionDataToJson(data);
  const checksum = sessionDataChecksum(dataJson);
  const now = await adapter.now();
  const id = randomUUID();
  const draft: Session = {
    id,
    data: JSON.parse(dataJson) as Session["data"],
    checksum,
    revokedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const pair = await newTokenPair(settings, draft, now);
  const tokens = await signPair(settings, pair);
  await seam.createSession({ id, dataJson, checksum }, pair, now);
  return tokens;
}

/**
 * The session behind an access token. Rejects (`DocketError`) a missing, malformed,
 * wrongly signed, expired or refresh token, an unknown token or session, and a revoked
 * token or session.
 */
export async function sessionStoreGet(
  adapter: StorageAdapter,
  settings: SessionStoreSettings,
  accessToken: unknown,
): Promise<Session> {
  const seam = sessionSeamOf(adapter);
  validateSessionStoreSettings(settings);
  const tokenId = await verifySessionToken(
    settings.signingKey,
    "access",
    accessToken,
    "accessToken",
  );
  const found = await seam.getAccessToken(tokenId);
  if (found === null) {
    throw new DocketError("session_not_found", "accessToken: no such session", {
      field: "accessToken",
    });
  }
  const { token, session, now } = found;
  if (session.revokedAt !== null || token.revokedAt !== null) {
    throw new DocketError("session_revoked", "accessToken: the session was revoked", {
      field: "accessToken",
    });
  }
  // The JWT's own expiry was checked against this process's clock; the row's against the
  // database's, so a skewed application clock cannot stretch a token's life.
  if (token.expiresAt.getTime() <= now.getTime()) {
    throw new DocketError("session_token_expired", "accessToken has expired", {
      field: "accessToken",
    });
  }
  return toSession(session);
}

/**
 * Stores `session.data` when it changed since it was read (its key-sorted JSON checksum
 * differs). Resolves to whether it wrote; updates `session.checksum` and `updatedAt`.
 */
export async function sessionStoreUpdate(
  adapter: StorageAdapter,
  session: Session,
): Promise<boolean> {
  const seam = sessionSeamOf(adapter);
  validateSessionShape(session);
  const dataJson = sessionDataToJson(session.data, "session.data");
  const checksum = sessionDataChecksum(dataJson);
  if (checksum === session.checksum) return false;
  const now = await adapter.now();
  const changed = await seam.updateSessionData(session.id, dataJson, checksum, now);
  if (changed === 0) {
    throw new DocketError("session_not_found", "session: no such session", { field: "session" });
  }
  session.checksum = checksum;
  session.updatedAt = now;
  return true;
}

/**
 * Revokes the session and all its tokens. Calling it again changes nothing: the first
 * `revokedAt` stays. Sets `session.revokedAt` to the stored value.
 */
export async function sessionStoreInvalidate(
  adapter: StorageAdapter,
  session: Session,
): Promise<void> {
  const seam = sessionSeamOf(adapter);
  validateSessionShape(session);
  await seam.revokeSession(session.id, await adapter.now());
  const stored = await seam.getSession(session.id);
  if (stored === null) {
    throw new DocketError("session_not_found", "session: no such session", { field: "session" });
  }
  session.revokedAt = stored.revokedAt;
}

/** New ids and expiry times for a token pair of `session`. */
export async function newTokenPair(
  settings: SessionStoreSettings,
  session: Session,
  now: Date,
): Promise<NewTokenPair> {
  const ages = await resolveTokenMaxAges(settings, session);
  return {
    sessionId: session.id,
    refreshTokenId: randomUUID(),
    refreshExpiresAt: new Date(now.getTime() + ages.refreshTokenMaxAgeInSeconds * 1000),
    accessTokenId: randomUUID(),
    accessExpiresAt: new Date(now.getTime() + ages.accessTokenMaxAgeInSeconds * 1000),
  };
}

export async function signPair(
  settings: SessionStoreSettings,
  pair: NewTokenPair,
): Promise<SessionTokenPair> {
  const [accessToken, refreshToken] = await Promise.all([
    signSessionToken(settings.signingKey, "access", pair.accessTokenId, pair.accessExpiresAt),
    signSessionToken(settings.signingKey, "refresh", pair.refreshTokenId, pair.refreshExpiresAt),
  ]);
  return { accessToken, refreshToken };
}

function validateSessionShape(session: unknown): asserts session is Session {
  if (typeof session !== "object" || session === null) {
    throw invalidArgument("session", "a session from sessionStoreGet", session);
  }
  const s = session as Partial<Session>;
  if (typeof s.id !== "string" || !/^[0-9a-f-]{36}$/.test(s.id)) {
    throw invalidArgument("session.id", "a session id", s.id);
  }
  if (typeof s.checksum !== "string") {
    throw invalidArgument("session.checksum", "a string", s.checksum);
  }
}
