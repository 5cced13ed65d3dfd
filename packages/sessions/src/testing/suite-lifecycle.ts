import type { StorageAdapter } from "@docket/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionStoreRefreshTokens } from "../session-refresh.ts";
import type { SessionStoreSettings } from "../session-settings.ts";
import {
  sessionStoreCreate,
  sessionStoreGet,
  sessionStoreInvalidate,
  sessionStoreUpdate,
} from "../session-store.ts";
import { expectSessionError, SIGNING_KEY, settings } from "./fixtures.ts";
import type { SessionStoreHarness } from "./harness.ts";

/** Settings and data validation (nothing written), create, get, update, invalidate. */
export function describeSessionLifecycle(harness: SessionStoreHarness): void {
  describe(`session lifecycle (${harness.label})`, () => {
    let adapter: StorageAdapter;

    beforeAll(async () => {
      adapter = await harness.create();
    });
    afterAll(() => harness.teardown());

    async function expectNothingWritten(attempt: () => Promise<unknown>, code: string) {
      const before = await harness.countRows(adapter);
      const error = await expectSessionError(attempt(), code);
      expect(await harness.countRows(adapter)).toEqual(before);
      return error;
    }

    it("rejects bad settings, naming each field, and writes nothing", async () => {
      const short = await expectNothingWritten(
        () => sessionStoreCreate(adapter, { ...settings, signingKey: "short-key" }, {}),
        "invalid_argument",
      );
      expect(short.field).toBe("settings.signingKey");
      expect(short.message).not.toContain("short-key");
      const ages = await expectNothingWritten(
        () =>
          sessionStoreCreate(
            adapter,
            { ...settings, accessTokenMaxAgeInSeconds: 600, refreshTokenMaxAgeInSeconds: 600 },
            {},
          ),
        "invalid_argument",
      );
      expect(ages.field).toBe("settings.accessTokenMaxAgeInSeconds");
      const both = await expectNothingWritten(
        () =>
          sessionStoreCreate(
            adapter,
            { signingKey: "", accessTokenMaxAgeInSeconds: 10, refreshTokenMaxAgeInSeconds: -1 },
            {},
          ),
        "invalid_argument",
      );
      expect(both.field).toBe("settings.signingKey, settings.refreshTokenMaxAgeInSeconds");
      const resolver: SessionStoreSettings = {
        signingKey: SIGNING_KEY,
        tokenMaxAgeResolver: () => ({
          accessTokenMaxAgeInSeconds: 100,
          refreshTokenMaxAgeInSeconds: 50,
        }),
      };
      const resolved = await expectNothingWritten(
        () => sessionStoreCreate(adapter, resolver, {}),
        "invalid_argument",
      );
      expect(resolved.field).toBe("tokenMaxAgeResolver().accessTokenMaxAgeInSeconds");
    });

    it("uses the ages a tokenMaxAgeResolver picks per session", async () => {
      const seen: unknown[] = [];
      const pair = await sessionStoreCreate(
        adapter,
        {
          signingKey: SIGNING_KEY,
          tokenMaxAgeResolver: (session) => {
            seen.push(session.data);
            return { accessTokenMaxAgeInSeconds: 5, refreshTokenMaxAgeInSeconds: 50 };
          },
        },
        { rememberMe: false },
      );
      expect(seen).toEqual([{ rememberMe: false }]);
      const session = await sessionStoreGet(adapter, settings, pair.accessToken);
      expect(session.data).toEqual({ rememberMe: false });
    });

    it("rejects data that is not JSON-serialisable, and writes nothing", async () => {
      class Point {
        x = 1;
      }
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const bad: [unknown, string][] = [
        [{ at: new Date() }, "data.at"],
        [{ f: () => 1 }, "data.f"],
        [{ missing: undefined }, "data.missing"],
        [{ n: Number.NaN }, "data.n"],
        [{ big: 1n }, "data.big"],
        [{ p: new Point() }, "data.p"],
        [{ m: new Map() }, "data.m"],
        [cyclic, "data.self"],
        [{ s: "a\u0000b" }, "data.s"],
        [{ s: "\ud800" }, "data.s"],
        [[1, 2], "data"],
        ["text", "data"],
        [null, "data"],
      ];
      for (const [data, field] of bad) {
        const error = await expectNothingWritten(
          () => sessionStoreCreate(adapter, settings, data),
          "invalid_argument",
        );
        expect(error.field).toBe(field);
      }
    });

    it("creates a session with both tokens and reads it back", async () => {
      const before = await harness.countRows(adapter);
      const data = { user: { id: 1, roles: ["admin"] }, "unicode ✓": "ünïcødé", n: 1.5, z: null };
      const pair = await sessionStoreCreate(adapter, settings, data);
      expect(await harness.countRows(adapter)).toEqual({
        sessions: before.sessions + 1,
        tokens: before.tokens + 2,
      });
      const session = await sessionStoreGet(adapter, settings, pair.accessToken);
      expect(session.data).toEqual(data);
      expect(session.id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(session.revokedAt).toBeNull();
      expect(session.createdAt).toBeInstanceOf(Date);
      expect(Math.abs(session.createdAt.getTime() - (await adapter.now()).getTime())).toBeLessThan(
        60_000,
      );
    });

    it("updates only when the data changed, ignoring key order", async () => {
      const pair = await sessionStoreCreate(adapter, settings, { b: 1, a: { d: 2, c: 3 } });
      const session = await sessionStoreGet(adapter, settings, pair.accessToken);
      expect(await sessionStoreUpdate(adapter, session)).toBe(false);
      session.data = { a: { c: 3, d: 2 }, b: 1 };
      expect(await sessionStoreUpdate(adapter, session)).toBe(false);
      session.data.b = 2;
      expect(await sessionStoreUpdate(adapter, session)).toBe(true);
      expect(await sessionStoreUpdate(adapter, session)).toBe(false);
      const reread = await sessionStoreGet(adapter, settings, pair.accessToken);
      expect(reread.data).toEqual({ a: { c: 3, d: 2 }, b: 2 });
      expect(reread.checksum).toBe(session.checksum);
      expect(await sessionStoreUpdate(adapter, reread)).toBe(false);
      reread.data.bad = new Date() as never;
      await expectSessionError(sessionStoreUpdate(adapter, reread), "invalid_argument");
      expect((await sessionStoreGet(adapter, settings, pair.accessToken)).data).toEqual({
        a: { c: 3, d: 2 },
        b: 2,
      });
    });

    it("invalidates a session and all its tokens; a second call keeps the first revokedAt", async () => {
      const pair = await sessionStoreCreate(adapter, settings, { user: 1 });
      const session = await sessionStoreGet(adapter, settings, pair.accessToken);
      await sessionStoreInvalidate(adapter, session);
      const firstRevokedAt = session.revokedAt;
      expect(firstRevokedAt).toBeInstanceOf(Date);
      await expectSessionError(
        sessionStoreGet(adapter, settings, pair.accessToken),
        "session_revoked",
      );
      await expectSessionError(
        sessionStoreRefreshTokens(adapter, settings, pair.refreshToken),
        "session_revoked",
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      await sessionStoreInvalidate(adapter, session);
      expect(session.revokedAt?.getTime()).toBe(firstRevokedAt?.getTime());
      const seam = adapter.sessions!;
      const tokens = await seam.listTokens(session.id);
      expect(tokens).toHaveLength(2);
      for (const token of tokens)
        expect(token.revokedAt?.getTime()).toBe(firstRevokedAt?.getTime());
    });

    it("writes through a transaction-bound adapter, committing or rolling back with it", async () => {
      const before = await harness.countRows(adapter);
      const rollback = new Error("roll back");
      await expect(
        adapter.transaction(async (tx) => {
          await sessionStoreCreate(tx.adapter, settings, { inside: "rolled back" });
          throw rollback;
        }),
      ).rejects.toBe(rollback);
      expect(await harness.countRows(adapter)).toEqual(before);
      const pair = await adapter.transaction((tx) =>
        sessionStoreCreate(tx.adapter, settings, { inside: "committed" }),
      );
      expect((await sessionStoreGet(adapter, settings, pair.accessToken)).data).toEqual({
        inside: "committed",
      });
    });

    it("keeps times to the millisecond", async () => {
      const pair = await sessionStoreCreate(adapter, settings, {});
      const session = await sessionStoreGet(adapter, settings, pair.accessToken);
      const tokens = await adapter.sessions!.listTokens(session.id);
      const refresh = tokens.find((token) => token.refreshTokenId === null)!;
      // Expiry = creation + age exactly, both stored with milliseconds.
      expect(refresh.expiresAt.getTime() - refresh.createdAt.getTime()).toBe(30 * 86_400_000);
      expect(refresh.createdAt.getTime()).toBe(session.createdAt.getTime());
    });
  });
}
