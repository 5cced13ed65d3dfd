import type { SessionRow, SessionTokenLookup, SessionTokenRow } from "../session-store-seam.ts";

/**
 * The session seam's rows as every adapter selects them (docs/sessions.md): a session's
 * own columns, and a token's columns prefixed `token_` so that one row of the
 * token-with-session join carries both. Times come in the driver's own form; the adapter
 * passes the `toDate` that converts them.
 */
export interface SessionColumns<Time> {
  id: string;
  data: string;
  checksum: string;
  revoked_at: Time | null;
  created_at: Time;
  updated_at: Time;
}

/**
 * The select lists that produce those columns, over a session table aliased `s` and a
 * token table aliased `t`. `data` is selected as `dataExpression` (Postgres casts its
 * jsonb to text; the others store text).
 */
export function sessionSelectList(dataExpression = "s.data"): string {
  return `s.id, ${dataExpression} AS data, s.checksum, s.revoked_at, s.created_at, s.updated_at`;
}

export const SESSION_TOKEN_SELECT_LIST =
  "t.id AS token_id, t.session AS token_session, t.expires_at AS token_expires_at, " +
  "t.refresh_token AS token_refresh_token, t.revoked_at AS token_revoked_at, " +
  "t.created_at AS token_created_at";

export interface SessionTokenColumns<Time> {
  token_id: string;
  token_session: string;
  token_expires_at: Time;
  token_refresh_token: string | null;
  token_revoked_at: Time | null;
  token_created_at: Time;
}

/** The seam's rows of one adapter's selected rows, its times read with `toDate`. */
export interface SessionRowReader<Time> {
  session(row: SessionColumns<Time>): SessionRow;
  token(row: SessionTokenColumns<Time>): SessionTokenRow;
  /** A row of the token-with-session join, with the clock the adapter read alongside it. */
  lookup(row: SessionColumns<Time> & SessionTokenColumns<Time>, now: Date): SessionTokenLookup;
}

export function sessionRowReader<Time>(toDate: (value: Time) => Date): SessionRowReader<Time> {
  const dateOrNull = (value: Time | null) => (value === null ? null : toDate(value));
  const session = (row: SessionColumns<Time>): SessionRow => ({
    id: row.id,
    dataJson: row.data,
    checksum: row.checksum,
    revokedAt: dateOrNull(row.revoked_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  });
  const token = (row: SessionTokenColumns<Time>): SessionTokenRow => ({
    id: row.token_id,
    sessionId: row.token_session,
    expiresAt: toDate(row.token_expires_at),
    refreshTokenId: row.token_refresh_token,
    revokedAt: dateOrNull(row.token_revoked_at),
    createdAt: toDate(row.token_created_at),
  });
  return {
    session,
    token,
    lookup: (row, now) => ({ token: token(row), session: session(row), now }),
  };
}
