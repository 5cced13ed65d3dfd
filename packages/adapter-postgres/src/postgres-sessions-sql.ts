import { SESSION_TOKEN_SELECT_LIST, sessionSelectList } from "@docket/core/adapter";

/**
 * Statements of the Postgres session store (docs/sessions.md). Ids are `uuid`, data is
 * `jsonb` (it may reorder keys: the checksum is over key-sorted JSON, so that never
 * causes a write), times are `timestamptz` bound from the adapter's clock. The only
 * spliced text is the validated table (and schema) name, double-quoted.
 */

export interface PostgresSessionNames {
  readonly session: string;
  readonly token: string;
}

export function postgresSessionNames(schema: string | null, table: string): PostgresSessionNames {
  const qualify = (name: string) => (schema === null ? `"${name}"` : `"${schema}"."${name}"`);
  return {
    session: qualify(`${table}_session`),
    token: qualify(`${table}_session_token`),
  };
}

const SESSION_COLUMNS = sessionSelectList("s.data::text");
const TOKEN_COLUMNS = SESSION_TOKEN_SELECT_LIST;

/**
 * $1 session id, $2 data, $3 checksum, $4 now, $5 refresh id, $6 refresh expiry,
 * $7 access id, $8 access expiry. One statement: the foreign keys are checked at its end.
 */
export const createSession = (n: PostgresSessionNames) => `
  WITH s AS (
    INSERT INTO ${n.session} (id, data, checksum, revoked_at, created_at, updated_at)
    VALUES ($1, $2::jsonb, $3, NULL, $4, $4)
  )
  INSERT INTO ${n.token} (id, session, expires_at, refresh_token, revoked_at, created_at)
  VALUES ($5, $1, $6, NULL, NULL, $4), ($7, $1, $8, $5, NULL, $4)`;

/** $1 token id. */
export const selectTokenWithSession = (n: PostgresSessionNames, refresh: boolean) => `
  SELECT ${SESSION_COLUMNS}, ${TOKEN_COLUMNS}, statement_timestamp() AS db_now
  FROM ${n.token} t JOIN ${n.session} s ON s.id = t.session
  WHERE t.id = $1 AND t.refresh_token IS ${refresh ? "" : "NOT "}NULL`;

export const selectSession = (n: PostgresSessionNames) =>
  `SELECT ${SESSION_COLUMNS} FROM ${n.session} s WHERE s.id = $1`;

export const selectTokens = (n: PostgresSessionNames) =>
  `SELECT ${TOKEN_COLUMNS} FROM ${n.token} t WHERE t.session = $1 ORDER BY t.created_at, t.id`;

/**
 * $1 used refresh token, $2 now, $3 new refresh id, $4 session, $5 refresh expiry,
 * $6 new access id, $7 access expiry. Revokes the used refresh token (guarded, so a
 * revoked one keeps its first `revoked_at`) and its access token, inserts the new pair,
 * and returns how many refresh-token rows the revoke changed.
 */
export const rotateTokens = (n: PostgresSessionNames) => `
  WITH revoked AS (
    UPDATE ${n.token} SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id
  ), access AS (
    UPDATE ${n.token} SET revoked_at = $2 WHERE refresh_token = $1 AND revoked_at IS NULL
  ), inserted AS (
    INSERT INTO ${n.token} (id, session, expires_at, refresh_token, revoked_at, created_at)
    VALUES ($3, $4, $5, NULL, NULL, $2), ($6, $4, $7, $3, NULL, $2)
  )
  SELECT count(*)::int AS changed FROM revoked`;

/** $1 id, $2 data, $3 checksum, $4 now. */
export const updateSessionData = (n: PostgresSessionNames) =>
  `UPDATE ${n.session} SET data = $2::jsonb, checksum = $3, updated_at = $4 WHERE id = $1`;

/**
 * $1 session, $2 now. The session row first (its row lock serialises concurrent revokes:
 * a second one waits, re-checks `revoked_at IS NULL` and changes nothing), then its tokens.
 */
export const revokeSession = (n: PostgresSessionNames) => `
  WITH s AS (
    UPDATE ${n.session} SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id
  ), t AS (
    UPDATE ${n.token} SET revoked_at = $2 WHERE session = $1 AND revoked_at IS NULL
  )
  SELECT count(*)::int AS changed FROM s`;

/** $1 cut-off. Access tokens go with their refresh token (cascade). */
export const deleteOldRefreshTokens = (n: PostgresSessionNames) =>
  `DELETE FROM ${n.token} WHERE refresh_token IS NULL AND (expires_at < $1 OR revoked_at < $1)`;

export const deleteSessionsWithoutTokens = (n: PostgresSessionNames) =>
  `DELETE FROM ${n.session} s WHERE s.created_at < $1
    AND NOT EXISTS (SELECT 1 FROM ${n.token} t WHERE t.session = s.id)`;

export const deleteSessionsCreatedBefore = (n: PostgresSessionNames) =>
  `DELETE FROM ${n.session} WHERE created_at < $1`;

/** $1 session, $2 milliseconds. */
export const ageSession = (n: PostgresSessionNames) => `
  WITH s AS (
    UPDATE ${n.session} SET created_at = created_at - $2 * interval '1 millisecond',
      updated_at = updated_at - $2 * interval '1 millisecond',
      revoked_at = revoked_at - $2 * interval '1 millisecond'
    WHERE id = $1
  )
  UPDATE ${n.token} SET created_at = created_at - $2 * interval '1 millisecond',
    expires_at = expires_at - $2 * interval '1 millisecond',
    revoked_at = revoked_at - $2 * interval '1 millisecond'
  WHERE session = $1`;
