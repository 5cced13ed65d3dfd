import { randomUUID } from "node:crypto";
import type { StorageAdapter } from "@docket/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionStoreRefreshTokens } from "../session-refresh.ts";
import { sessionStoreCreate, sessionStoreGet } from "../session-store.ts";
import { sessionTransportLoadFromContext } from "../session-transport.ts";
import {
  expectSessionError,
  jwtPart,
  seamOf,
  seconds,
  settings,
  signWith,
  unsignedToken,
} from "./fixtures.ts";
import type { SessionStoreHarness } from "./harness.ts";

/** Token format, and every malformed or hostile token the issue lists. */
export function describeSessionTokens(harness: SessionStoreHarness): void {
  describe(`session tokens (${harness.label})`, () => {
    let adapter: StorageAdapter;
    let pair: { accessToken: string; refreshToken: string };

    beforeAll(async () => {
      adapter = await harness.create();
      pair = await sessionStoreCreate(adapter, settings, { userId: 7 });
    });
    afterAll(() => harness.teardown());

    it("are HS256 JWTs whose payload is only exp and the token id claim", async () => {
      expect(jwtPart(pair.accessToken, 0)).toMatchObject({ alg: "HS256" });
      const access = jwtPart(pair.accessToken, 1);
      const refresh = jwtPart(pair.refreshToken, 1);
      expect(Object.keys(access).sort()).toEqual(["compasSessionAccessToken", "exp"]);
      expect(Object.keys(refresh).sort()).toEqual(["compasSessionRefreshToken", "exp"]);
      expect(access.compasSessionAccessToken).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(access.exp).toBeGreaterThan(seconds(250));
      expect(refresh.exp).toBeGreaterThan(access.exp as number);
      const session = await sessionStoreGet(adapter, settings, pair.accessToken);
      expect(session.data).toEqual({ userId: 7 });
    });

    it("reject a missing token", async () => {
      for (const missing of [undefined, null, "", 42]) {
        const error = await expectSessionError(
          sessionStoreGet(adapter, settings, missing),
          "session_token_missing",
        );
        expect(error.field).toBe("accessToken");
      }
    });

    it("reject malformed and truncated tokens without echoing them", async () => {
      const [header, payload, signature] = pair.accessToken.split(".") as [string, string, string];
      const malformed = [
        "not-a-jwt",
        "a.b.c",
        "x.y.z.w",
        `${header}.${payload}`,
        pair.accessToken.slice(0, Math.floor(pair.accessToken.length / 3)),
      ];
      for (const token of malformed) {
        await expectSessionError(
          sessionStoreGet(adapter, settings, token),
          "session_token_malformed",
          [token],
        );
      }
      // Cut or damaged after the header: the signature no longer matches what it covers.
      const damaged = [
        pair.accessToken.slice(0, -8),
        `${header}.${payload.slice(0, 10)}.${signature}`,
        `${header}.!!!.${signature}`,
      ];
      for (const token of damaged) {
        await expectSessionError(
          sessionStoreGet(adapter, settings, token),
          "session_token_bad_signature",
          [token],
        );
      }
    });

    it("reject a token re-signed with another key", async () => {
      const forged = await signWith(
        jwtPart(pair.accessToken, 1),
        "another-key-of-sufficient-length",
      );
      const error = await expectSessionError(
        sessionStoreGet(adapter, settings, forged),
        "session_token_bad_signature",
        [forged, "another-key-of-sufficient-length"],
      );
      expect(error.field).toBe("accessToken");
      const forgedRefresh = await signWith(
        jwtPart(pair.refreshToken, 1),
        "another-key-of-sufficient-length",
      );
      await expectSessionError(
        sessionStoreRefreshTokens(adapter, settings, forgedRefresh),
        "session_token_bad_signature",
      );
    });

    it("reject alg: none", async () => {
      const none = unsignedToken(jwtPart(pair.accessToken, 1));
      await expectSessionError(
        sessionStoreGet(adapter, settings, none),
        "session_token_malformed",
        [none],
      );
      const noneRefresh = unsignedToken(jwtPart(pair.refreshToken, 1));
      await expectSessionError(
        sessionStoreRefreshTokens(adapter, settings, noneRefresh),
        "session_token_malformed",
      );
    });

    it("reject expired tokens, by the JWT and by the stored expiry", async () => {
      const claims = jwtPart(pair.accessToken, 1);
      const expired = await signWith({ ...claims, exp: seconds(-10) });
      await expectSessionError(
        sessionStoreGet(adapter, settings, expired),
        "session_token_expired",
      );
      const refreshClaims = jwtPart(pair.refreshToken, 1);
      const expiredRefresh = await signWith({ ...refreshClaims, exp: seconds(-10) });
      await expectSessionError(
        sessionStoreRefreshTokens(adapter, settings, expiredRefresh),
        "session_token_expired",
      );
      // The JWT is still valid by this process's clock, but the row's expiry has passed.
      const other = await sessionStoreCreate(adapter, settings, {});
      const { session } = (await seamOf(adapter).getAccessToken(
        jwtPart(other.accessToken, 1).compasSessionAccessToken as string,
      ))!;
      await seamOf(adapter).ageSession(session.id, 301_000);
      await expectSessionError(
        sessionStoreGet(adapter, settings, other.accessToken),
        "session_token_expired",
      );
    });

    it("reject a refresh token used as access token and the other way round", async () => {
      const error = await expectSessionError(
        sessionStoreGet(adapter, settings, pair.refreshToken),
        "session_token_wrong_type",
        [pair.refreshToken],
      );
      expect(error.field).toBe("accessToken");
      await expectSessionError(
        sessionStoreRefreshTokens(adapter, settings, pair.accessToken),
        "session_token_wrong_type",
      );
      // Both still work for what they are.
      await sessionStoreGet(adapter, settings, pair.accessToken);
    });

    it("reject extra claims and ids that are not UUIDs", async () => {
      const claims = jwtPart(pair.accessToken, 1);
      const extra = await signWith({ ...claims, admin: true });
      await expectSessionError(
        sessionStoreGet(adapter, settings, extra),
        "session_token_malformed",
      );
      const notUuid = await signWith({ compasSessionAccessToken: "1 OR 1=1", exp: seconds(60) });
      await expectSessionError(
        sessionStoreGet(adapter, settings, notUuid),
        "session_token_malformed",
      );
      const noExp = await signWith({ compasSessionAccessToken: randomUUID() });
      await expectSessionError(
        sessionStoreGet(adapter, settings, noExp),
        "session_token_malformed",
      );
    });

    it("reject a well-signed token of an unknown session", async () => {
      const unknown = await signWith({ compasSessionAccessToken: randomUUID(), exp: seconds(60) });
      await expectSessionError(sessionStoreGet(adapter, settings, unknown), "session_not_found");
      const unknownRefresh = await signWith({
        compasSessionRefreshToken: randomUUID(),
        exp: seconds(60),
      });
      await expectSessionError(
        sessionStoreRefreshTokens(adapter, settings, unknownRefresh),
        "session_not_found",
      );
    });

    it("load the session from an Authorization: Bearer header", async () => {
      const session = await sessionTransportLoadFromContext(
        adapter,
        { headers: { authorization: `Bearer ${pair.accessToken}` } },
        settings,
      );
      expect(session.data).toEqual({ userId: 7 });
      for (const headers of [
        {},
        { authorization: `Basic ${pair.accessToken}` },
        { authorization: "Bearer" },
      ]) {
        const error = await expectSessionError(
          sessionTransportLoadFromContext(adapter, { headers }, settings),
          "session_token_missing",
          [pair.accessToken],
        );
        expect(error.field).toBe("authorization");
      }
      await expectSessionError(
        sessionTransportLoadFromContext(
          adapter,
          { headers: { authorization: `Bearer ${pair.refreshToken}` } },
          settings,
        ),
        "session_token_wrong_type",
      );
    });

    it("throw unsupported for an adapter without a session seam", async () => {
      const bare = Object.create(adapter, { sessions: { value: undefined } }) as StorageAdapter;
      await expectSessionError(sessionStoreCreate(bare, settings, {}), "unsupported");
    });
  });
}
