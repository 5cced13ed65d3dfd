import { DocketError } from "@docket/core";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";

/** The one claim naming the token id, per kind (the names Compas used). */
export const ACCESS_TOKEN_CLAIM = "compasSessionAccessToken";
export const REFRESH_TOKEN_CLAIM = "compasSessionRefreshToken";

export type TokenKind = "access" | "refresh";

const CLAIM: Record<TokenKind, string> = {
  access: ACCESS_TOKEN_CLAIM,
  refresh: REFRESH_TOKEN_CLAIM,
};

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const keyCache = new Map<string, Uint8Array>();

function keyBytes(signingKey: string): Uint8Array {
  let key = keyCache.get(signingKey);
  if (key === undefined) {
    key = new TextEncoder().encode(signingKey);
    // Settings are few and long-lived; the bound only guards against a caller that
    // makes a new key per request.
    if (keyCache.size > 100) keyCache.clear();
    keyCache.set(signingKey, key);
  }
  return key;
}

/** An HS256 JWT whose payload is only `exp` (seconds) and the claim naming `tokenId`. */
export function signSessionToken(
  signingKey: string,
  kind: TokenKind,
  tokenId: string,
  expiresAt: Date,
): Promise<string> {
  return new SignJWT({ [CLAIM[kind]]: tokenId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(keyBytes(signingKey));
}

/**
 * Verifies signature (HS256 only: `alg: none` and every other algorithm are refused by
 * jose), expiry and shape, and returns the token id. Errors name `field` and never
 * contain the token or the key.
 */
export async function verifySessionToken(
  signingKey: string,
  kind: TokenKind,
  token: unknown,
  field: string,
): Promise<string> {
  if (typeof token !== "string" || token.length === 0) {
    throw new DocketError("session_token_missing", `${field} is missing`, { field });
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keyBytes(signingKey), {
      algorithms: ["HS256"],
      requiredClaims: ["exp"],
    }));
  } catch (error) {
    throw mapJoseError(error, field);
  }
  const other = CLAIM[kind === "access" ? "refresh" : "access"];
  const claims = Object.keys(payload);
  if (payload[other] !== undefined && payload[CLAIM[kind]] === undefined) {
    throw new DocketError(
      "session_token_wrong_type",
      `${field}: expected a${kind === "access" ? "n access" : " refresh"} token, got a${kind === "access" ? " refresh" : "n access"} token`,
      { field },
    );
  }
  const id = payload[CLAIM[kind]];
  if (
    typeof id !== "string" ||
    !UUID_V4.test(id) ||
    claims.some((claim) => claim !== "exp" && claim !== CLAIM[kind])
  ) {
    throw new DocketError("session_token_malformed", `${field}: unexpected claims`, { field });
  }
  return id;
}

function mapJoseError(error: unknown, field: string): DocketError {
  // jose's messages do not quote the token, but ours are fixed texts all the same.
  if (error instanceof joseErrors.JWTExpired) {
    return new DocketError("session_token_expired", `${field} has expired`, { field });
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new DocketError("session_token_bad_signature", `${field}: invalid signature`, {
      field,
    });
  }
  if (error instanceof joseErrors.JOSEError) {
    return new DocketError(
      "session_token_malformed",
      `${field} is not a valid HS256 JWT (${error.code})`,
      { field },
    );
  }
  return new DocketError("session_token_malformed", `${field} is not a valid HS256 JWT`, {
    field,
  });
}
