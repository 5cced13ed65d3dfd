/**
 * Statements of the SQLite session store (docs/sessions.md). Times are INTEGER epoch
 * milliseconds bound from the adapter's clock; ids are TEXT UUIDs. The only spliced text
 * is the validated job table name, used as prefix.
 */

/** Migration 4: `<table>_session` and `<table>_session_token`, cascading deletes. */
export function createSessionTables(table: string): string[] {
  return [
    `CREATE TABLE ${table}_session (
  id TEXT PRIMARY KEY NOT NULL,
  data TEXT NOT NULL,
  checksum TEXT NOT NULL,
  revoked_at INTEGER NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
)`,
    `CREATE TABLE ${table}_session_token (
  id TEXT PRIMARY KEY NOT NULL,
  session TEXT NOT NULL REFERENCES ${table}_session (id) ON DELETE CASCADE,
  expires_at INTEGER NOT NULL,
  refresh_token TEXT NULL REFERENCES ${table}_session_token (id) ON DELETE CASCADE,
  revoked_at INTEGER NULL,
  created_at INTEGER NOT NULL
)`,
    `CREATE INDEX ${table}_session_token_session_idx ON ${table}_session_token (session)`,
    `CREATE INDEX ${table}_session_token_refresh_idx ON ${table}_session_token (refresh_token)`,
    `CREATE INDEX ${table}_session_created_idx ON ${table}_session (created_at)`,
  ];
}

const SESSION_COLUMNS = "s.id, s.data, s.checksum, s.revoked_at, s.created_at, s.updated_at";
const TOKEN_COLUMNS =
  "t.id AS token_id, t.session AS token_session, t.expires_at AS token_expires_at, " +
  "t.refresh_token AS token_refresh_token, t.revoked_at AS token_revoked_at, " +
  "t.created_at AS token_created_at";

export const insertSession = (t: string) =>
  `INSERT INTO ${t}_session (id, data, checksum, revoked_at, created_at, updated_at)
  VALUES (@id, @data, @checksum, NULL, @now, @now)`;

/** The refresh token first: the access token's foreign key points at it. */
export const insertTokenPair = (t: string) =>
  `INSERT INTO ${t}_session_token (id, session, expires_at, refresh_token, revoked_at, created_at)
  VALUES (@refreshId, @sessionId, @refreshExpiresAt, NULL, NULL, @now),
         (@accessId, @sessionId, @accessExpiresAt, @refreshId, NULL, @now)`;

export const selectTokenWithSession = (t: string, refresh: boolean) =>
  `SELECT ${SESSION_COLUMNS}, ${TOKEN_COLUMNS}
  FROM ${t}_session_token t JOIN ${t}_session s ON s.id = t.session
  WHERE t.id = @id AND t.refresh_token IS ${refresh ? "" : "NOT "}NULL`;

export const selectSession = (t: string) =>
  `SELECT ${SESSION_COLUMNS} FROM ${t}_session s WHERE s.id = @id`;

export const selectTokens = (t: string) =>
  `SELECT ${TOKEN_COLUMNS} FROM ${t}_session_token t WHERE t.session = @sessionId
  ORDER BY t.created_at, t.id`;

export const revokeRefreshToken = (t: string) =>
  `UPDATE ${t}_session_token SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL`;

export const revokeAccessTokensOf = (t: string) =>
  `UPDATE ${t}_session_token SET revoked_at = @now
  WHERE refresh_token = @id AND revoked_at IS NULL`;

export const updateSessionData = (t: string) =>
  `UPDATE ${t}_session SET data = @data, checksum = @checksum, updated_at = @now WHERE id = @id`;

export const revokeSession = (t: string) =>
  `UPDATE ${t}_session SET revoked_at = @now
  WHERE id = @id AND revoked_at IS NULL`;

export const revokeSessionTokens = (t: string) =>
  `UPDATE ${t}_session_token SET revoked_at = @now WHERE session = @id AND revoked_at IS NULL`;

/** Access tokens go with their refresh token (cascade). */
export const deleteOldRefreshTokens = (t: string) =>
  `DELETE FROM ${t}_session_token
  WHERE refresh_token IS NULL AND (expires_at < @before OR revoked_at < @before)`;

export const deleteSessionsWithoutTokens = (t: string) =>
  `DELETE FROM ${t}_session
  WHERE created_at < @before
    AND NOT EXISTS (SELECT 1 FROM ${t}_session_token t WHERE t.session = ${t}_session.id)`;

export const deleteSessionsCreatedBefore = (t: string) =>
  `DELETE FROM ${t}_session WHERE created_at < @before`;

export const ageSession = (t: string) =>
  `UPDATE ${t}_session SET created_at = created_at - @ms, updated_at = updated_at - @ms,
    revoked_at = revoked_at - @ms WHERE id = @id`;

export const ageSessionTokens = (t: string) =>
  `UPDATE ${t}_session_token SET created_at = created_at - @ms, expires_at = expires_at - @ms,
    revoked_at = revoked_at - @ms WHERE session = @id`;
