import { queueWorkerListJobs, type StorageAdapter } from "@docket/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionStoreRefreshTokens } from "../session-refresh.ts";
import { sessionStoreCreate, sessionStoreGet } from "../session-store.ts";
import type { LeakedSessionReport, SessionTokenPair } from "../session-types.ts";
import { SESSION_STORE_POTENTIAL_LEAKED_SESSION_JOB_NAME } from "../session-types.ts";
import { expectSessionError, seamOf, settings } from "./fixtures.ts";
import type { SessionStoreHarness } from "./harness.ts";

const LEAK_JOB = SESSION_STORE_POTENTIAL_LEAKED_SESSION_JOB_NAME;

/** Rotation, the non-sliding 15 s grace window, and leak detection under concurrency. */
export function describeSessionRefresh(harness: SessionStoreHarness): void {
  describe(`session refresh (${harness.label})`, () => {
    let adapter: StorageAdapter;
    let second: StorageAdapter;

    beforeAll(async () => {
      adapter = await harness.create();
      second = await harness.reopen(adapter);
    });
    afterAll(() => harness.teardown());

    async function newSession(): Promise<{ pair: SessionTokenPair; sessionId: string }> {
      const pair = await sessionStoreCreate(adapter, settings, { user: "alice" });
      const session = await sessionStoreGet(adapter, settings, pair.accessToken);
      return { pair, sessionId: session.id };
    }

    const leakJobs = async (sessionId: string) =>
      (await queueWorkerListJobs(adapter, { name: LEAK_JOB, limit: 100 })).filter(
        (job) => (job.data as { report?: LeakedSessionReport }).report?.session.id === sessionId,
      );

    it("rotates: a new pair works, the used pair is revoked", async () => {
      const { pair, sessionId } = await newSession();
      const next = await sessionStoreRefreshTokens(adapter, settings, pair.refreshToken);
      expect(next.accessToken).not.toBe(pair.accessToken);
      expect((await sessionStoreGet(adapter, settings, next.accessToken)).id).toBe(sessionId);
      await expectSessionError(
        sessionStoreGet(adapter, settings, pair.accessToken),
        "session_revoked",
      );
      const third = await sessionStoreRefreshTokens(adapter, settings, next.refreshToken);
      expect((await sessionStoreGet(adapter, settings, third.accessToken)).data).toEqual({
        user: "alice",
      });
      const tokens = await seamOf(adapter).listTokens(sessionId);
      expect(tokens).toHaveLength(6);
      expect(tokens.filter((token) => token.revokedAt === null)).toHaveLength(2);
    });

    it("gives another pair for a refresh token reused within 15 s, without sliding the window", async () => {
      const { pair, sessionId } = await newSession();
      const seam = seamOf(adapter);
      const first = await sessionStoreRefreshTokens(adapter, settings, pair.refreshToken);
      const usedToken = async () =>
        (await seam.listTokens(sessionId)).find(
          (token) => token.refreshTokenId === null && token.revokedAt !== null,
        )!;
      const revokedAt = (await usedToken()).revokedAt!.getTime();
      // 10 s later (as far as the rows know), a second tab refreshes with the same token.
      await seam.ageSession(sessionId, 10_000);
      const again = await sessionStoreRefreshTokens(adapter, settings, pair.refreshToken);
      await sessionStoreGet(adapter, settings, again.accessToken);
      await sessionStoreGet(adapter, settings, first.accessToken);
      // The reuse kept the first revocation time (only aged with the rest).
      expect((await usedToken()).revokedAt!.getTime()).toBe(revokedAt - 10_000);
      // Another 10 s: 20 s since the first revocation. A sliding window would still allow it.
      await seam.ageSession(sessionId, 10_000);
      await expectSessionError(
        sessionStoreRefreshTokens(adapter, settings, pair.refreshToken),
        "session_revoked",
      );
      expect(await leakJobs(sessionId)).toHaveLength(1);
    });

    it("revokes the session and reports a refresh token reused after the grace window", async () => {
      const { pair, sessionId } = await newSession();
      const seam = seamOf(adapter);
      const next = await sessionStoreRefreshTokens(adapter, settings, pair.refreshToken);
      await seam.ageSession(sessionId, 16_000);
      const error = await expectSessionError(
        sessionStoreRefreshTokens(adapter, settings, pair.refreshToken),
        "session_revoked",
        [pair.refreshToken],
      );
      expect(error.field).toBe("refreshToken");
      // The thief's and the owner's tokens are all dead now.
      await expectSessionError(
        sessionStoreGet(adapter, settings, next.accessToken),
        "session_revoked",
      );
      await expectSessionError(
        sessionStoreRefreshTokens(adapter, settings, next.refreshToken),
        "session_revoked",
      );
      const session = (await seam.getSession(sessionId))!;
      expect(session.revokedAt).not.toBeNull();
      const jobs = await leakJobs(sessionId);
      expect(jobs).toHaveLength(1);
      const report = (jobs[0]!.data as unknown as { report: LeakedSessionReport }).report;
      const accessTokens = (await seam.listTokens(sessionId)).filter(
        (token) => token.refreshTokenId !== null,
      );
      expect(report).toEqual({
        session: {
          id: sessionId,
          revokedAt: session.revokedAt!.toISOString(),
          createdAt: session.createdAt.toISOString(),
          updatedAt: session.updatedAt.toISOString(),
          tokens: accessTokens.map((token) => ({
            id: token.id,
            createdAt: token.createdAt.toISOString(),
            revokedAt: token.revokedAt!.toISOString(),
            expiresAt: token.expiresAt.toISOString(),
          })),
        },
      });
      expect(report.session.tokens).toHaveLength(2);
      expect(report.session.tokens[0]!.createdAt <= report.session.tokens[1]!.createdAt).toBe(true);
      // Replaying once more does not report again.
      await expectSessionError(
        sessionStoreRefreshTokens(adapter, settings, pair.refreshToken),
        "session_revoked",
      );
      expect(await leakJobs(sessionId)).toHaveLength(1);
    });

    it("reports once when two requests replay a stale refresh token at the same time", async () => {
      for (let round = 0; round < 3; round++) {
        const { pair, sessionId } = await newSession();
        await sessionStoreRefreshTokens(adapter, settings, pair.refreshToken);
        await seamOf(adapter).ageSession(sessionId, 16_000);
        const results = await Promise.allSettled([
          sessionStoreRefreshTokens(adapter, settings, pair.refreshToken),
          sessionStoreRefreshTokens(second, settings, pair.refreshToken),
        ]);
        for (const result of results) {
          expect(result.status).toBe("rejected");
          expect((result as PromiseRejectedResult).reason).toMatchObject({
            code: "session_revoked",
          });
        }
        expect(await leakJobs(sessionId)).toHaveLength(1);
        expect((await seamOf(adapter).getSession(sessionId))!.revokedAt).not.toBeNull();
        const live = (await seamOf(adapter).listTokens(sessionId)).filter(
          (token) => token.revokedAt === null,
        );
        expect(live).toEqual([]);
      }
    });

    it("gives both concurrent refreshes within the window a working pair", async () => {
      const { pair } = await newSession();
      const [a, b] = await Promise.all([
        sessionStoreRefreshTokens(adapter, settings, pair.refreshToken),
        sessionStoreRefreshTokens(second, settings, pair.refreshToken),
      ]);
      await sessionStoreGet(adapter, settings, a.accessToken);
      await sessionStoreGet(adapter, settings, b.accessToken);
    });
  });
}
