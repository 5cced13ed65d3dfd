import {
  type NewTokenPair,
  type SessionColumns,
  type SessionStoreSeam,
  type SessionTokenColumns,
  sessionRowReader,
} from "@docket/core/adapter";
import type { ResultSetHeader } from "mysql2/promise";
import { type MysqlConnection, type MysqlExecutor, write } from "./mysql-connection.ts";
import { formatUtcDateTime, parseUtcDateTime } from "./mysql-rows.ts";
import * as sql from "./mysql-sessions-sql.ts";

/** Times are UTC `DATETIME(3)` text. */
type SessionDbRow = SessionColumns<string>;
type TokenDbRow = SessionTokenColumns<string>;
const seamRows = sessionRowReader(parseUtcDateTime);
const utc = (date: Date) => formatUtcDateTime(date, "now");

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

  const lookup = async (id: string, refresh: boolean) => {
    const [row] = await read<SessionDbRow & TokenDbRow & { db_now: string }>(
      "reading a session token",
      sql.selectTokenWithSession(t, refresh),
      [id],
    );
    if (row === undefined) return null;
    return seamRows.lookup(row, parseUtcDateTime(row.db_now));
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
      return row === undefined ? null : seamRows.session(row);
    },

    async listTokens(sessionId) {
      const rows = await read<TokenDbRow>("reading session tokens", sql.selectTokens(t), [
        sessionId,
      ]);
      return rows.map(seamRows.token);
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
