/**
 * The seam between `@docket/sessions` and a database (docs/sessions.md, session store).
 * Type-only, so core stays driver-free: each adapter implements it on its own tables
 * (`<table>_session`, `<table>_session_token`, created by `migrate()` as migration 4), also
 * on adapters bound to a transaction, so a session write and an enqueue commit together.
 *
 * Policy (token checks, the grace window, leak detection) lives in `@docket/sessions`;
 * the seam only stores and reads rows. Times passed in come from the adapter's clock
 * (`now` returned by the reads, or `adapter.now()`); ids are lowercase v4 UUIDs made by
 * the application.
 */
export interface SessionStoreSeam {
  /** Inserts the session, its refresh token and its access token in one atomic unit. */
  createSession(session: NewSessionRow, pair: NewTokenPair, now: Date): Promise<void>;

  /** An access token (`refreshToken` not null) with its session and the clock, or null. */
  getAccessToken(tokenId: string): Promise<SessionTokenLookup | null>;

  /** A refresh token (`refreshToken` null) with its session and the clock, or null. */
  getRefreshToken(tokenId: string): Promise<SessionTokenLookup | null>;

  /** One session, or null. */
  getSession(sessionId: string): Promise<SessionRow | null>;

  /** Every token of a session, oldest first (`createdAt`, then `id`). */
  listTokens(sessionId: string): Promise<SessionTokenRow[]>;

  /**
   * Atomically: revokes the used refresh token and its access token where not revoked
   * yet (a revoked token keeps its first `revokedAt`), then inserts the new pair.
   * Returns how many refresh-token rows the revoke changed (0 or 1).
   */
  rotateTokens(usedRefreshTokenId: string, pair: NewTokenPair, now: Date): Promise<number>;

  /** Sets data and checksum, `updatedAt = now`. Returns the number of changed rows. */
  updateSessionData(
    sessionId: string,
    dataJson: string,
    checksum: string,
    now: Date,
  ): Promise<number>;

  /**
   * Revokes the session (`WHERE revoked_at IS NULL`) and every token not revoked yet, in
   * one atomic unit. Returns how many session rows changed: 1 for the first caller, 0 for
   * every later or concurrent one — leak detection decides on this count.
   */
  revokeSession(sessionId: string, now: Date): Promise<number>;

  /**
   * For `jobSessionStoreCleanup`: deletes refresh tokens that expired or were revoked
   * before `tokensBefore` (their access tokens go with them), then sessions without tokens
   * created before `orphansCreatedBefore`, then, when given, sessions created before
   * `sessionsCreatedBefore`.
   */
  cleanup(request: SessionCleanupRequest): Promise<SessionCleanupResult>;

  /**
   * Moves every time of a session and its tokens `ms` into the past, as if that much time
   * had passed. For tests and demos (the 15 s grace window, cleanup cut-offs); never
   * needed in production.
   */
  ageSession(sessionId: string, ms: number): Promise<void>;
}

export interface NewSessionRow {
  id: string;
  /** Key-sorted JSON of the data. */
  dataJson: string;
  checksum: string;
}

export interface NewTokenPair {
  sessionId: string;
  refreshTokenId: string;
  refreshExpiresAt: Date;
  accessTokenId: string;
  accessExpiresAt: Date;
}

export interface SessionRow {
  id: string;
  /** The stored JSON text (a database may have reordered its keys). */
  dataJson: string;
  checksum: string;
  revokedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SessionTokenRow {
  id: string;
  sessionId: string;
  expiresAt: Date;
  /** Null for a refresh token; an access token points at its refresh token. */
  refreshTokenId: string | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export interface SessionTokenLookup {
  token: SessionTokenRow;
  session: SessionRow;
  /** The adapter's clock when the row was read. */
  now: Date;
}

export interface SessionCleanupRequest {
  tokensBefore: Date;
  orphansCreatedBefore: Date;
  sessionsCreatedBefore: Date | null;
}

export interface SessionCleanupResult {
  deletedRefreshTokens: number;
  deletedSessions: number;
}
