import { DocketError, type StorageAdapter } from "@docket/core";
import type { SessionStoreSettings } from "./session-settings.ts";
import { sessionStoreGet } from "./session-store.ts";
import type { Session } from "./session-types.ts";

/** What the transport reads: Node's `IncomingMessage`, or anything with its `headers`. */
export interface RequestWithHeaders {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The session of a request carrying `Authorization: Bearer <access token>` (node:http,
 * Express, Fastify's `request.raw`, Koa's `ctx.req`). Rejects like `sessionStoreGet`;
 * without the header, `session_token_missing` with `field: "authorization"`.
 */
export function sessionTransportLoadFromContext(
  adapter: StorageAdapter,
  req: RequestWithHeaders,
  settings: SessionStoreSettings,
): Promise<Session> {
  const header = req?.headers?.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  const match = typeof value === "string" ? /^Bearer +(\S+) *$/i.exec(value) : null;
  if (match === null) {
    return Promise.reject(
      new DocketError("session_token_missing", "expected an Authorization: Bearer header", {
        field: "authorization",
      }),
    );
  }
  return sessionStoreGet(adapter, settings, match[1]);
}
