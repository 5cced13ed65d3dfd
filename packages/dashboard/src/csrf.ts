import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readCookie } from "./http.ts";

/** The cookie that binds a browser to its CSRF tokens. */
export const CSRF_COOKIE = "docket_csrf";
/** The form field that carries the token. */
export const CSRF_FIELD = "_csrf";

const COOKIE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Signed double-submit CSRF protection (README.md, "Security"). The browser gets a random
 * HttpOnly, SameSite=Strict cookie; every form carries `HMAC(secret, cookie)`. A POST is
 * accepted only when the form's token matches the HMAC of the cookie sent with it: another
 * site can make the browser send the cookie but can neither read it nor compute the token,
 * and a token copied from one browser is worthless with another browser's cookie.
 */
export class CsrfGuard {
  readonly #secret: Buffer;
  readonly #cookiePath: string;

  constructor(secret: string | null, cookiePath: string) {
    this.#secret = secret === null ? randomBytes(32) : Buffer.from(secret, "utf8");
    this.#cookiePath = cookiePath === "" ? "/" : cookiePath;
  }

  /** The token for this browser's forms; sets the cookie on `res` when the browser has none. */
  tokenFor(req: IncomingMessage, res: ServerResponse): string {
    let cookie = readCookie(req, CSRF_COOKIE);
    if (cookie === null || !COOKIE_PATTERN.test(cookie)) {
      cookie = randomBytes(32).toString("base64url");
      const secure = isEncrypted(req) ? "; Secure" : "";
      res.appendHeader(
        "Set-Cookie",
        `${CSRF_COOKIE}=${cookie}; Path=${this.#cookiePath}; HttpOnly; SameSite=Strict${secure}`,
      );
    }
    return this.#sign(cookie);
  }

  /** True when `token` was made for the cookie this request carries. */
  verify(req: IncomingMessage, token: string | undefined): boolean {
    const cookie = readCookie(req, CSRF_COOKIE);
    if (cookie === null || !COOKIE_PATTERN.test(cookie) || typeof token !== "string") return false;
    const expected = Buffer.from(this.#sign(cookie), "utf8");
    const given = Buffer.from(token, "utf8");
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  #sign(cookie: string): string {
    return createHmac("sha256", this.#secret).update(cookie).digest("base64url");
  }
}

function isEncrypted(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true;
}
