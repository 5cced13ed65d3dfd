import {
  type JobHandler,
  queueWorkerAddJob,
  queueWorkerCreate,
  queueWorkerGetJob,
  type StorageAdapter,
} from "@docket/core";
import { memoryLogger, waitFor } from "@docket/core/testing";
import { jobSessionStoreCleanup, jobSessionStoreProcessLeakedSession } from "@docket/jobs-builtin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionStoreRefreshTokens } from "../session-refresh.ts";
import { sessionStoreCreate, sessionStoreGet, sessionStoreInvalidate } from "../session-store.ts";
import { SESSION_STORE_POTENTIAL_LEAKED_SESSION_JOB_NAME } from "../session-types.ts";
import { seamOf, settings } from "./fixtures.ts";
import type { SessionStoreHarness } from "./harness.ts";

const DAY = 86_400_000;

/** Runs one job through a real worker and returns what it logged. */
async function runInWorker(
  adapter: StorageAdapter,
  name: string,
  handler: JobHandler,
  data: Record<string, unknown> = {},
): Promise<Record<string, unknown>[]> {
  const logger = memoryLogger();
  const id = await queueWorkerAddJob(adapter, { name, data: data as never });
  const worker = queueWorkerCreate(adapter, {
    handler: { [name]: handler },
    pollInterval: 20,
    logger,
  });
  worker.start();
  try {
    await waitFor(async () => (await queueWorkerGetJob(adapter, id))?.isComplete, { what: name });
  } finally {
    await worker.stop();
  }
  const job = await queueWorkerGetJob(adapter, id);
  expect(job?.failedAt, job?.lastError ?? "").toBeNull();
  return logger.entries;
}

/** The two session jobs, each inside a real worker. */
export function describeSessionJobs(harness: SessionStoreHarness): void {
  describe(`session jobs in a worker (${harness.label})`, () => {
    let adapter: StorageAdapter;

    beforeAll(async () => {
      adapter = await harness.create();
    });
    afterAll(() => harness.teardown());

    async function newSession(data: Record<string, string> = {}) {
      const pair = await sessionStoreCreate(adapter, settings, data);
      const session = await sessionStoreGet(adapter, settings, pair.accessToken);
      return { pair, session };
    }

    it("cleanup deletes old tokens (cascading to access tokens) and tokenless sessions", async () => {
      const seam = seamOf(adapter);
      // Rotated 15 days ago: the used refresh token (and its access token) go, the current pair stays.
      const rotated = await newSession({ name: "rotated" });
      await sessionStoreRefreshTokens(adapter, settings, rotated.pair.refreshToken);
      await seam.ageSession(rotated.session.id, 15 * DAY);
      // Invalidated 15 days ago: all tokens go, then the session (no tokens left).
      const invalidated = await newSession({ name: "invalidated" });
      await sessionStoreInvalidate(adapter, invalidated.session);
      await seam.ageSession(invalidated.session.id, 15 * DAY);
      // Fresh: untouched.
      const fresh = await newSession({ name: "fresh" });

      const entries = await runInWorker(
        adapter,
        "compas.sessionStore.cleanup",
        jobSessionStoreCleanup(),
      );
      expect(entries).toContainEqual(
        expect.objectContaining({
          type: "sessionStore.cleanup",
          deletedRefreshTokens: 2,
          deletedSessions: 1,
        }),
      );
      const rotatedTokens = await seam.listTokens(rotated.session.id);
      expect(rotatedTokens).toHaveLength(2);
      expect(rotatedTokens.every((token) => token.revokedAt === null)).toBe(true);
      expect(await seam.getSession(invalidated.session.id)).toBeNull();
      expect(await seam.listTokens(invalidated.session.id)).toEqual([]);
      expect(await seam.listTokens(fresh.session.id)).toHaveLength(2);
    });

    it("cleanup spares a tokenless session younger than a minute", async () => {
      const seam = seamOf(adapter);
      const young = await newSession({ name: "young" });
      await sessionStoreInvalidate(adapter, young.session);
      await seam.ageSession(young.session.id, 1_000);
      await runInWorker(
        adapter,
        "compas.sessionStore.cleanup",
        jobSessionStoreCleanup({ maxRevokedAgeInDays: 0 }),
      );
      expect(await seam.listTokens(young.session.id)).toEqual([]);
      expect(await seam.getSession(young.session.id)).not.toBeNull();
      await seam.ageSession(young.session.id, 120_000);
      await runInWorker(
        adapter,
        "compas.sessionStore.cleanup",
        jobSessionStoreCleanup({ maxRevokedAgeInDays: 0 }),
      );
      expect(await seam.getSession(young.session.id)).toBeNull();
    });

    it("cleanup with maxSessionLifetimeInDays deletes old sessions with their tokens", async () => {
      const seam = seamOf(adapter);
      const old = await newSession({ name: "old" });
      await seam.ageSession(old.session.id, DAY);
      const recent = await newSession({ name: "recent" });
      // Half a day: any positive value counts (Compas ignored values up to 1).
      await runInWorker(
        adapter,
        "compas.sessionStore.cleanup",
        jobSessionStoreCleanup({ maxSessionLifetimeInDays: 0.5 }),
      );
      expect(await seam.getSession(old.session.id)).toBeNull();
      expect(await seam.listTokens(old.session.id)).toEqual([]);
      expect(await seam.getSession(recent.session.id)).not.toBeNull();
      expect(await seam.listTokens(recent.session.id)).toHaveLength(2);
      expect(() => jobSessionStoreCleanup({ maxSessionLifetimeInDays: 0 })).toThrow(
        expect.objectContaining({ code: "invalid_argument", field: "maxSessionLifetimeInDays" }),
      );
    });

    it("the leak job logs the report of a detected leak", async () => {
      const { pair, session } = await newSession({ name: "leaked" });
      let current = pair;
      for (let i = 0; i < 5; i++) {
        current = await sessionStoreRefreshTokens(adapter, settings, current.refreshToken);
      }
      await seamOf(adapter).ageSession(session.id, 20_000);
      await expect(
        sessionStoreRefreshTokens(adapter, settings, pair.refreshToken),
      ).rejects.toMatchObject({ code: "session_revoked" });
      const logger = memoryLogger();
      const worker = queueWorkerCreate(adapter, {
        handler: {
          [SESSION_STORE_POTENTIAL_LEAKED_SESSION_JOB_NAME]: jobSessionStoreProcessLeakedSession(),
        },
        pollInterval: 20,
        logger,
      });
      worker.start();
      try {
        await waitFor(
          () => logger.entries.find((entry) => entry.type === "sessionStore.leakedSession.report"),
          { what: "the leak report" },
        );
      } finally {
        await worker.stop();
      }
      const stored = (await seamOf(adapter).getSession(session.id))!;
      const accessTokens = (await seamOf(adapter).listTokens(session.id)).filter(
        (token) => token.refreshTokenId !== null,
      );
      expect(accessTokens).toHaveLength(6);
      const reports = logger.entries.filter(
        (entry) => entry.type === "sessionStore.leakedSession.report",
      );
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatchObject({
        session: {
          sessionCreated: stored.createdAt.toISOString(),
          sessionRevoked: stored.revokedAt!.toISOString(),
          lastRefreshTimes: accessTokens.slice(-4).map((token) => ({
            createdAt: token.createdAt.toISOString(),
            revokedAt: token.revokedAt!.toISOString(),
          })),
        },
      });
    });

    it("the leak job sorts by createdAt, keeps a missing revokedAt null, and dumps on request", async () => {
      const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
      const session = {
        id: "3f1c2c9e-9d1a-4a57-9a43-1f0f3c7b5e21",
        revokedAt: t(59),
        createdAt: t(0),
        updatedAt: t(1),
        tokens: [5, 1, 4, 2, 3].map((minute) => ({
          id: `token-${minute}`,
          createdAt: t(minute),
          revokedAt: minute === 5 ? null : t(minute + 10),
          expiresAt: t(minute + 30),
        })),
      };
      const name = SESSION_STORE_POTENTIAL_LEAKED_SESSION_JOB_NAME;
      const entries = await runInWorker(adapter, name, jobSessionStoreProcessLeakedSession(), {
        report: { session },
      });
      expect(
        entries.find((entry) => entry.type === "sessionStore.leakedSession.report"),
      ).toMatchObject({
        session: {
          sessionCreated: t(0),
          sessionRevoked: t(59),
          lastRefreshTimes: [
            { createdAt: t(2), revokedAt: t(12) },
            { createdAt: t(3), revokedAt: t(13) },
            { createdAt: t(4), revokedAt: t(14) },
            { createdAt: t(5), revokedAt: null },
          ],
        },
      });
      const dumped = await runInWorker(
        adapter,
        name,
        jobSessionStoreProcessLeakedSession({ useDump: true }),
        { report: { session } },
      );
      const dump = dumped.filter((entry) => entry.type?.toString().startsWith("sessionStore."));
      expect(dump).toEqual([
        expect.objectContaining({ type: "sessionStore.leakedSession.dump", session }),
      ]);
    });
  });
}
