import { SESSION_TOKEN_SELECT_LIST, sessionSelectList } from "@docket/core/adapter";

/**
 * Statements of the SQLite session store (docs/sessions.md). Times are INTEGER epoch
 * milliseconds bound from the adapter's clock; ids are TEXT UUIDs. The only spliced text
 * is the validated job table name, used as prefix.
 */

const SESSION_COLUMNS = sessionSelectList();
const TOKEN_COLUMNS = SESSION_TOKEN_SELECT_LIST;

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
