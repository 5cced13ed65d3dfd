import type { StorageAdapter } from "@docket/core";
import { SignJWT } from "jose";
import { expect } from "vitest";
import type { FixedAgeSessionStoreSettings } from "../session-settings.ts";

export const SIGNING_KEY = "docket-test-signing-key-0123456789";

export const settings: FixedAgeSessionStoreSettings = {
  signingKey: SIGNING_KEY,
  accessTokenMaxAgeInSeconds: 300,
  refreshTokenMaxAgeInSeconds: 30 * 86_400,
};

/** The decoded JSON of one part of a compact JWT. */
export function jwtPart(token: string, index: 0 | 1): Record<string, unknown> {
  const part = token.split(".")[index] ?? "";
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** A correctly signed (or, with `key`, re-signed) token with any payload. */
export function signWith(payload: Record<string, unknown>, key = SIGNING_KEY): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(key));
}

/** The same payload under `alg: none`, with an empty signature. */
export function unsignedToken(payload: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(payload)}.`;
}

export function seconds(fromNow: number): number {
  return Math.floor(Date.now() / 1000) + fromNow;
}

/** The seam, which every Docket adapter has. */
export function seamOf(adapter: StorageAdapter) {
  const seam = adapter.sessions;
  if (seam === undefined) throw new Error("adapter has no sessions seam");
  return seam;
}

/** Awaits a rejection and checks it is a DocketError of `code` that leaks no secret. */
export async function expectSessionError(
  promise: Promise<unknown>,
  code: string,
  secrets: readonly string[] = [],
): Promise<{ code: string; field: string | undefined; message: string }> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a DocketError ${code}`).toMatchObject({ name: "DocketError", code });
  const error = caught as { code: string; field: string | undefined; message: string };
  for (const secret of [SIGNING_KEY, ...secrets]) {
    if (secret.length > 0) expect(error.message).not.toContain(secret);
  }
  return error;
}
