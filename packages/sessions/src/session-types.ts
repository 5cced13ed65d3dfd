import type { SessionData } from "./session-data.ts";

/** A session as `sessionStoreGet` returns it. Change `data`, then `sessionStoreUpdate`. */
export interface Session {
  id: string;
  data: SessionData;
  /** Of the data as last stored; `sessionStoreUpdate` writes only when it changed. */
  checksum: string;
  revokedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What `sessionStoreCreate` and `sessionStoreRefreshTokens` return. */
export interface SessionTokenPair {
  accessToken: string;
  refreshToken: string;
}

/** The payload of the `compas.sessionStore.potentialLeakedSession` job. */
export interface LeakedSessionReport {
  session: {
    id: string;
    revokedAt: string | null;
    createdAt: string;
    updatedAt: string;
    /** Access tokens, oldest first. */
    tokens: { id: string; createdAt: string; revokedAt: string | null; expiresAt: string }[];
  };
}

export const SESSION_STORE_POTENTIAL_LEAKED_SESSION_JOB_NAME =
  "compas.sessionStore.potentialLeakedSession";

/** A refresh token revoked at most this long ago may be used again (docs/sessions.md). */
export const REFRESH_TOKEN_GRACE_PERIOD_MS = 15_000;
