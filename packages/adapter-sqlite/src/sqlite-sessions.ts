import {
  epochMsToDate,
  type NewTokenPair,
  type SessionColumns,
  type SessionStoreSeam,
  type SessionTokenColumns,
  sessionRowReader,
} from "@docket/core/adapter";
import { inImmediateTransaction, prepared, type SqliteDatabase } from "./sqlite-connection.ts";
import * as sql from "./sqlite-sessions-sql.ts";

/** Runs one synchronous unit of work the way the adapter runs its own (gate, busy retries). */
export type SqliteRunner = <T>(action: string, work: () => T) => Promise<T>;

/** Times are epoch milliseconds. */
type SessionDbRow = SessionColumns<number>;
type TokenDbRow = SessionTokenColumns<number>;
const seamRows = sessionRowReader(epochMsToDate);

/**
 * The session seam on SQLite (docs/sessions.md). Multi-statement writes run in one
 * `BEGIN IMMEDIATE` transaction (a savepoint inside an open one), so they are atomic
 * across processes; the clock is the process's, like the rest of the adapter.
 */
export function createSqliteSessions(
  db: SqliteDatabase,
  table: string,
  run: SqliteRunner,
): SessionStoreSeam {
  const insertPair = (pair: NewTokenPair, now: number) =>
    prepared(db, sql.insertTokenPair(table)).run({
      refreshId: pair.refreshTokenId,
      accessId: pair.accessTokenId,
      sessionId: pair.sessionId,
      refreshExpiresAt: pair.refreshExpiresAt.getTime(),
      accessExpiresAt: pair.accessExpiresAt.getTime(),
      now,
    });

  const lookup = (id: string, refresh: boolean) => {
    const row = prepared<SessionDbRow & TokenDbRow>(
      db,
      sql.selectTokenWithSession(table, refresh),
    ).get({ id });
    if (row === undefined) return null;
    return seamRows.lookup(row, new Date(Date.now()));
  };

  return {
    createSession: (session, pair, now) =>
      run("createSession", () =>
        inImmediateTransaction(db, () => {
          prepared(db, sql.insertSession(table)).run({
            id: session.id,
            data: session.dataJson,
            checksum: session.checksum,
            now: now.getTime(),
          });
          insertPair(pair, now.getTime());
        }),
      ),

    getAccessToken: (tokenId) => run("getAccessToken", () => lookup(tokenId, false)),

    getRefreshToken: (tokenId) => run("getRefreshToken", () => lookup(tokenId, true)),

    getSession: (sessionId) =>
      run("getSession", () => {
        const row = prepared<SessionDbRow>(db, sql.selectSession(table)).get({ id: sessionId });
        return row === undefined ? null : seamRows.session(row);
      }),

    listTokens: (sessionId) =>
      run("listTokens", () =>
        prepared<TokenDbRow>(db, sql.selectTokens(table)).all({ sessionId }).map(seamRows.token),
      ),

    rotateTokens: (usedRefreshTokenId, pair, now) =>
      run("rotateTokens", () =>
        inImmediateTransaction(db, () => {
          const params = { id: usedRefreshTokenId, now: now.getTime() };
          const revoked = prepared(db, sql.revokeRefreshToken(table)).run(params).changes;
          prepared(db, sql.revokeAccessTokensOf(table)).run(params);
          insertPair(pair, now.getTime());
          return revoked;
        }),
      ),

    updateSessionData: (sessionId, dataJson, checksum, now) =>
      run(
        "updateSessionData",
        () =>
          prepared(db, sql.updateSessionData(table)).run({
            id: sessionId,
            data: dataJson,
            checksum,
            now: now.getTime(),
          }).changes,
      ),

    revokeSession: (sessionId, now) =>
      run("revokeSession", () =>
        inImmediateTransaction(db, () => {
          const params = { id: sessionId, now: now.getTime() };
          const changed = prepared(db, sql.revokeSession(table)).run(params).changes;
          prepared(db, sql.revokeSessionTokens(table)).run(params);
          return changed;
        }),
      ),

    cleanup: (request) =>
      run("sessionCleanup", () =>
        inImmediateTransaction(db, () => {
          const deletedRefreshTokens = prepared(db, sql.deleteOldRefreshTokens(table)).run({
            before: request.tokensBefore.getTime(),
          }).changes;
          let deletedSessions = prepared(db, sql.deleteSessionsWithoutTokens(table)).run({
            before: request.orphansCreatedBefore.getTime(),
          }).changes;
          if (request.sessionsCreatedBefore !== null) {
            deletedSessions += prepared(db, sql.deleteSessionsCreatedBefore(table)).run({
              before: request.sessionsCreatedBefore.getTime(),
            }).changes;
          }
          return { deletedRefreshTokens, deletedSessions };
        }),
      ),

    ageSession: (sessionId, ms) =>
      run("ageSession", () =>
        inImmediateTransaction(db, () => {
          prepared(db, sql.ageSession(table)).run({ id: sessionId, ms });
          prepared(db, sql.ageSessionTokens(table)).run({ id: sessionId, ms });
        }),
      ),
  };
}
