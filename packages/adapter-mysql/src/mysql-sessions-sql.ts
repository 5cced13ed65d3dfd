import { SESSION_TOKEN_SELECT_LIST, sessionSelectList } from "@docket/core/adapter";

/**
 * Statements of the MySQL/MariaDB session store (docs/sessions.md). Ids are CHAR(36)
 * ASCII (binary collation), data is utf8mb4_bin LONGTEXT, times are UTC DATETIME(3) bound
 * from the adapter's clock. The only spliced text is the validated table name.
 */

const SESSION_COLUMNS = sessionSelectList();
const TOKEN_COLUMNS = SESSION_TOKEN_SELECT_LIST;

/** Params: id, data, checksum, now, now. */
export const insertSession = (t: string) =>
  `INSERT INTO ${t}_session (id, data, checksum, revoked_at, created_at, updated_at) ` +
  "VALUES (?, ?, ?, NULL, ?, ?)";

/** Params: refresh id, session, refresh expiry, now, access id, session, access expiry, refresh id, now. */
export const insertTokenPair = (t: string) =>
  `INSERT INTO ${t}_session_token (id, session, expires_at, refresh_token, revoked_at, created_at) ` +
  "VALUES (?, ?, ?, NULL, NULL, ?), (?, ?, ?, ?, NULL, ?)";

/** Params: token id. */
export const selectTokenWithSession = (t: string, refresh: boolean) =>
  `SELECT ${SESSION_COLUMNS}, ${TOKEN_COLUMNS}, UTC_TIMESTAMP(3) AS db_now ` +
  `FROM ${t}_session_token t JOIN ${t}_session s ON s.id = t.session ` +
  `WHERE t.id = ? AND t.refresh_token IS ${refresh ? "" : "NOT "}NULL`;

export const selectSession = (t: string) =>
  `SELECT ${SESSION_COLUMNS} FROM ${t}_session s WHERE s.id = ?`;

export const selectTokens = (t: string) =>
  `SELECT ${TOKEN_COLUMNS} FROM ${t}_session_token t WHERE t.session = ? ` +
  "ORDER BY t.created_at, t.id";

/** Params: now, id. Guarded: a revoked token keeps its first `revoked_at`. */
export const revokeRefreshToken = (t: string) =>
  `UPDATE ${t}_session_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`;

/** Params: now, refresh token id. */
export const revokeAccessTokensOf = (t: string) =>
  `UPDATE ${t}_session_token SET revoked_at = ? WHERE refresh_token = ? AND revoked_at IS NULL`;

/** Params: data, checksum, now, id. */
export const updateSessionData = (t: string) =>
  `UPDATE ${t}_session SET data = ?, checksum = ?, updated_at = ? WHERE id = ?`;

/** Params: now, id. Its row lock serialises concurrent revokes; the guard makes later ones change nothing. */
export const revokeSession = (t: string) =>
  `UPDATE ${t}_session SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`;

/** Params: now, session id. */
export const revokeSessionTokens = (t: string) =>
  `UPDATE ${t}_session_token SET revoked_at = ? WHERE session = ? AND revoked_at IS NULL`;

/** Params: cut-off, cut-off. Access tokens go with their refresh token (cascade). */
export const deleteOldRefreshTokens = (t: string) =>
  `DELETE FROM ${t}_session_token WHERE refresh_token IS NULL AND (expires_at < ? OR revoked_at < ?)`;

/** Params: cut-off. */
export const deleteSessionsWithoutTokens = (t: string) =>
  `DELETE FROM ${t}_session WHERE created_at < ? ` +
  `AND NOT EXISTS (SELECT 1 FROM ${t}_session_token t WHERE t.session = ${t}_session.id)`;

export const deleteSessionsCreatedBefore = (t: string) =>
  `DELETE FROM ${t}_session WHERE created_at < ?`;

/** Params: microseconds ×3, id. */
export const ageSession = (t: string) =>
  `UPDATE ${t}_session SET created_at = created_at - INTERVAL ? MICROSECOND, ` +
  "updated_at = updated_at - INTERVAL ? MICROSECOND, " +
  "revoked_at = revoked_at - INTERVAL ? MICROSECOND WHERE id = ?";

/** Params: microseconds ×3, session id. */
export const ageSessionTokens = (t: string) =>
  `UPDATE ${t}_session_token SET created_at = created_at - INTERVAL ? MICROSECOND, ` +
  "expires_at = expires_at - INTERVAL ? MICROSECOND, " +
  "revoked_at = revoked_at - INTERVAL ? MICROSECOND WHERE session = ?";
