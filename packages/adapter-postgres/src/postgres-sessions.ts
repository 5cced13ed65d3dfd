import {
  type SessionColumns,
  type SessionStoreSeam,
  type SessionTokenColumns,
  sessionRowReader,
} from "@docket/core/adapter";
import type { QueryConfig, QueryResultRow } from "pg";
import { toDate } from "./postgres-rows.ts";
import * as sql from "./postgres-sessions-sql.ts";

/** How the seam reaches the database: the adapter's pool or bound client, and its transactions. */
export interface PostgresSessionRunner {
  query<R extends QueryResultRow>(
    operation: string,
    config: QueryConfig,
  ): Promise<{ rows: R[]; rowCount: number | null }>;
  /** Several statements atomically (BEGIN … COMMIT, or a savepoint on a bound client). */
  transaction<T>(
    operation: string,
    work: (
      query: <R extends QueryResultRow>(
        config: QueryConfig,
      ) => Promise<{ rows: R[]; rowCount: number | null }>,
    ) => Promise<T>,
  ): Promise<T>;
}

/** Times arrive as the driver parses `timestamptz` (a Date, or text with custom parsers). */
type SessionDbRow = SessionColumns<unknown>;
type TokenDbRow = SessionTokenColumns<unknown>;
const seamRows = sessionRowReader(toDate);

/**
 * The session seam on Postgres (docs/sessions.md). Each write is one statement (CTEs),
 * so it is atomic on the pool and joins a caller's transaction on a bound client.
 */
export function createPostgresSessions(
  names: sql.PostgresSessionNames,
  runner: PostgresSessionRunner,
): SessionStoreSeam {
  const lookup = async (operation: string, id: string, refresh: boolean) => {
    const result = await runner.query<SessionDbRow & TokenDbRow & { db_now: unknown }>(operation, {
      text: sql.selectTokenWithSession(names, refresh),
      values: [id],
    });
    const row = result.rows[0];
    if (row === undefined) return null;
    return seamRows.lookup(row, toDate(row.db_now));
  };

  return {
    async createSession(session, pair, now) {
      await runner.query("createSession", {
        text: sql.createSession(names),
        values: [
          session.id,
          session.dataJson,
          session.checksum,
          now,
          pair.refreshTokenId,
          pair.refreshExpiresAt,
          pair.accessTokenId,
          pair.accessExpiresAt,
        ],
      });
    },

    getAccessToken: (tokenId) => lookup("getAccessToken", tokenId, false),

    getRefreshToken: (tokenId) => lookup("getRefreshToken", tokenId, true),

    async getSession(sessionId) {
      const result = await runner.query<SessionDbRow>("getSession", {
        text: sql.selectSession(names),
        values: [sessionId],
      });
      const row = result.rows[0];
      return row === undefined ? null : seamRows.session(row);
    },

    async listTokens(sessionId) {
      const result = await runner.query<TokenDbRow>("listTokens", {
        text: sql.selectTokens(names),
        values: [sessionId],
      });
      return result.rows.map(seamRows.token);
    },

    async rotateTokens(usedRefreshTokenId, pair, now) {
      const result = await runner.query<{ changed: number }>("rotateTokens", {
        text: sql.rotateTokens(names),
        values: [
          usedRefreshTokenId,
          now,
          pair.refreshTokenId,
          pair.sessionId,
          pair.refreshExpiresAt,
          pair.accessTokenId,
          pair.accessExpiresAt,
        ],
      });
      return result.rows[0]?.changed ?? 0;
    },

    async updateSessionData(sessionId, dataJson, checksum, now) {
      const result = await runner.query("updateSessionData", {
        text: sql.updateSessionData(names),
        values: [sessionId, dataJson, checksum, now],
      });
      return result.rowCount ?? 0;
    },

    async revokeSession(sessionId, now) {
      const result = await runner.query<{ changed: number }>("revokeSession", {
        text: sql.revokeSession(names),
        values: [sessionId, now],
      });
      return result.rows[0]?.changed ?? 0;
    },

    cleanup: (request) =>
      runner.transaction("sessionCleanup", async (query) => {
        const tokens = await query({
          text: sql.deleteOldRefreshTokens(names),
          values: [request.tokensBefore],
        });
        const orphans = await query({
          text: sql.deleteSessionsWithoutTokens(names),
          values: [request.orphansCreatedBefore],
        });
        let deletedSessions = orphans.rowCount ?? 0;
        if (request.sessionsCreatedBefore !== null) {
          const old = await query({
            text: sql.deleteSessionsCreatedBefore(names),
            values: [request.sessionsCreatedBefore],
          });
          deletedSessions += old.rowCount ?? 0;
        }
        return { deletedRefreshTokens: tokens.rowCount ?? 0, deletedSessions };
      }),

    async ageSession(sessionId, ms) {
      await runner.query("ageSession", { text: sql.ageSession(names), values: [sessionId, ms] });
    },
  };
}
