import type {
  NewTokenPair,
  SessionRow,
  SessionStoreSeam,
  SessionTokenLookup,
  SessionTokenRow,
} from "@docket/core/adapter";
import type { ResultSetHeader } from "mysql2/promise";
import { type MysqlConnection, type MysqlExecutor, write } from "./mysql-connection.ts";
import { formatUtcDateTime, parseUtcDateTime } from "./mysql-rows.ts";
import * as sql from "./mysql-sessions-sql.ts";

interface SessionDbRow {
  id: string;
  data: string;
  checksum: string;
  revoked_at: string | null;
  created_at: string;
  updated_at: string;
}

interface TokenDbRow {
  token_id: string;
  token_session: string;
  token_expires_at: string;
  token_refresh_token: string | null;
  token_revoked_at: string | null;
  token_created_at: string;
}

const dateOrNull = (text: string | null) => (text === null ? null : parseUtcDateTime(text));
const utc = (date: Date) => formatUtcDateTime(date, "now");

function toSessionRow(row: SessionDbRow): SessionRow {
  return {
    id: row.id,
    dataJson: row.data,
    checksum: row.checksum,
    revokedAt: dateOrNull(row.revoked_at),
    createdAt: parseUtcDateTime(row.created_at),
    updatedAt: parseUtcDateTime(row.updated_at),
  };
}

function toTokenRow(row: TokenDbRow): SessionTokenRow {
  return {
    id: row.token_id,
    sessionId: row.token_session,
    expiresAt: parseUtcDateTime(row.token_expires_at),
    refreshTokenId: row.token_refresh_token,
    revokedAt: dateOrNull(row.token_revoked_at),
    createdAt: parseUtcDateTime(row.token_created_at),
  };
}

function pairParams(pair: NewTokenPair, now: string): unknown[] {
  return [
    pair.refreshTokenId,
    pair.sessionId,
    utc(pair.refreshExpiresAt),
    now,
    pair.accessTokenId,
    pair.sessionId,
    utc(pair.accessExpiresAt),
    pair.refreshTokenId,
    now,
  ];
}

/**
 * The session seam on MySQL/MariaDB (docs/sessions.md). Multi-statement writes are one
 * unit of work: the adapter's own transaction (retried on deadlock), or the caller's on
 * a bound adapter.
 */
export function createMysqlSessions(exec: MysqlExecutor, t: string): SessionStoreSeam {
  const read = async <R>(action: string, statement: string, values: unknown[]) =>
    (await exec.statement(action, statement, values, { replayable: true })) as unknown as R[];

  const lookup = async (id: string, refresh: boolean): Promise<SessionTokenLookup | null> => {
    const [row] = await read<SessionDbRow & TokenDbRow & { db_now: string }>(
      "reading a session token",
      sql.selectTokenWithSession(t, refresh),
      [id],
    );
    if (row === undefined) return null;
    return {
      token: toTokenRow(row),
      session: toSessionRow(row),
      now: parseUtcDateTime(row.db_now),
    };
  };

  return {
    async createSession(session, pair, now) {
      const nowText = utc(now);
      await exec.unitOfWork("creating a session", async (connection) => {
        await write(connection, sql.insertSession(t), [
          session.id,
          session.dataJson,
          session.checksum,
          nowText,
          nowText,
        ]);
        await write(connection, sql.insertTokenPair(t), pairParams(pair, nowText));
      });
    },

    getAccessToken: (tokenId) => lookup(tokenId, false),

    getRefreshToken: (tokenId) => lookup(tokenId, true),

    async getSession(sessionId) {
      const [row] = await read<SessionDbRow>("reading a session", sql.selectSession(t), [
        sessionId,
      ]);
      return row === undefined ? null : toSessionRow(row);
    },

    async listTokens(sessionId) {
      const rows = await read<TokenDbRow>("reading session tokens", sql.selectTokens(t), [
        sessionId,
      ]);
      return rows.map(toTokenRow);
    },

    rotateTokens: (usedRefreshTokenId, pair, now) =>
      exec.unitOfWork("refreshing session tokens", async (connection: MysqlConnection) => {
        const nowText = utc(now);
        const revoked = await write(connection, sql.revokeRefreshToken(t), [
          nowText,
          usedRefreshTokenId,
        ]);
        await write(connection, sql.revokeAccessTokensOf(t), [nowText, usedRefreshTokenId]);
        await write(connection, sql.insertTokenPair(t), pairParams(pair, nowText));
        return revoked.affectedRows;
      }),

    async updateSessionData(sessionId, dataJson, checksum, now) {
      const header = await exec.statement<ResultSetHeader>(
        "updating a session",
        sql.updateSessionData(t),
        [dataJson, checksum, utc(now), sessionId],
        { replayable: true },
      );
      return header.affectedRows;
    },

    revokeSession: (sessionId, now) =>
      exec.unitOfWork("revoking a session", async (connection) => {
        const nowText = utc(now);
        const header = await write(connection, sql.revokeSession(t), [nowText, sessionId]);
        await write(connection, sql.revokeSessionTokens(t), [nowText, sessionId]);
        return header.affectedRows;
      }),

    cleanup: (request) =>
      exec.unitOfWork("cleaning up sessions", async (connection) => {
        const tokensBefore = utc(request.tokensBefore);
        const tokens = await write(connection, sql.deleteOldRefreshTokens(t), [
          tokensBefore,
          tokensBefore,
        ]);
        const orphans = await write(connection, sql.deleteSessionsWithoutTokens(t), [
          utc(request.orphansCreatedBefore),
        ]);
        let deletedSessions = orphans.affectedRows;
        if (request.sessionsCreatedBefore !== null) {
          const old = await write(connection, sql.deleteSessionsCreatedBefore(t), [
            utc(request.sessionsCreatedBefore),
          ]);
          deletedSessions += old.affectedRows;
        }
        return { deletedRefreshTokens: tokens.affectedRows, deletedSessions };
      }),

    ageSession: (sessionId, ms) =>
      exec.unitOfWork("ageing a session", async (connection) => {
        const us = Math.round(ms * 1000);
        await write(connection, sql.ageSession(t), [us, us, us, sessionId]);
        await write(connection, sql.ageSessionTokens(t), [us, us, us, sessionId]);
      }),
  };
}
