/**
 * The session store on an embedded SQLite file, behind a tiny node:http API: log in,
 * call a protected route with the access token, refresh, then replay an old refresh
 * token after the 15 s grace window — the session is revoked and a worker logs the leak
 * report. Run with `pnpm demo:sessions`; it exits by itself.
 *
 * The 15 s are not waited for: the demo ages the session's rows through the adapter's
 * session seam (`adapter.sessions.ageSession`), a hook meant for tests and demos.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import { DocketError, type Logger, queueWorkerCreate } from "@docket/core";
import { jobSessionStoreProcessLeakedSession } from "@docket/jobs-builtin";
import {
  SESSION_STORE_POTENTIAL_LEAKED_SESSION_JOB_NAME,
  type SessionStoreSettings,
  sessionStoreCreate,
  sessionStoreRefreshTokens,
  sessionTransportLoadFromContext,
} from "@docket/sessions";

const say = (line: string) => console.log(line);

const dir = mkdtempSync(join(tmpdir(), "docket-sessions-"));
const adapter = createSqliteAdapter({ filename: join(dir, "app.db") });
await adapter.migrate();

const settings: SessionStoreSettings = {
  signingKey: "demo-signing-key-change-me-in-production",
  accessTokenMaxAgeInSeconds: 5 * 60,
  refreshTokenMaxAgeInSeconds: 14 * 24 * 3600,
};

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body === "" ? {} : (JSON.parse(body) as Record<string, unknown>);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

const server = createServer(async (req, res) => {
  try {
    if (req.method === "POST" && req.url === "/login") {
      const { user } = await readJson(req);
      return send(res, 200, await sessionStoreCreate(adapter, settings, { user: String(user) }));
    }
    if (req.method === "POST" && req.url === "/refresh") {
      const { refreshToken } = await readJson(req);
      return send(res, 200, await sessionStoreRefreshTokens(adapter, settings, refreshToken));
    }
    if (req.method === "GET" && req.url === "/me") {
      const session = await sessionTransportLoadFromContext(adapter, req, settings);
      return send(res, 200, { sessionId: session.id, data: session.data });
    }
    send(res, 404, { error: "not_found" });
  } catch (error) {
    // Session errors are typed: answer 401 with the stable code, never the token.
    if (error instanceof DocketError && error.code.startsWith("session_")) {
      return send(res, 401, { error: error.code });
    }
    send(res, 500, { error: "internal" });
  }
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function call(method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

// A worker that handles leak reports; its logger prints them.
const logger: Logger = {
  info: (entry) => {
    if (String(entry.type).startsWith("sessionStore.")) {
      say(`worker log   → ${JSON.stringify(entry, null, 2).replaceAll("\n", "\n               ")}`);
    }
  },
  error: (entry) => say(`worker error → ${JSON.stringify(entry)}`),
};
let reported: () => void = () => {};
const reportLogged = new Promise<void>((resolve) => {
  reported = resolve;
});
const leakHandler = jobSessionStoreProcessLeakedSession();
const worker = queueWorkerCreate(adapter, {
  pollInterval: 100,
  logger,
  handler: {
    [SESSION_STORE_POTENTIAL_LEAKED_SESSION_JOB_NAME]: async (event, db, job, context) => {
      await leakHandler(event, db, job, context);
      reported();
    },
  },
});
worker.start();

try {
  const login = await call("POST", "/login", { user: "alice" });
  say(`POST /login   → ${login.status}, got an access and a refresh token`);
  const first = login.body as { accessToken: string; refreshToken: string };
  const me = await call("GET", "/me", undefined, first.accessToken);
  say(`GET  /me      → ${me.status} ${JSON.stringify(me.body)}`);

  const refreshed = await call("POST", "/refresh", { refreshToken: first.refreshToken });
  say(`POST /refresh → ${refreshed.status}, a new pair; the first pair is now revoked`);
  const second = refreshed.body as { accessToken: string; refreshToken: string };
  const stale = await call("GET", "/me", undefined, first.accessToken);
  say(`GET  /me (old access token) → ${stale.status} ${JSON.stringify(stale.body)}`);

  const retry = await call("POST", "/refresh", { refreshToken: first.refreshToken });
  say(
    `POST /refresh (old refresh token, within 15 s) → ${retry.status}: the grace window allows it`,
  );

  // Pretend 20 s passed (no waiting): move the session's times into the past.
  await adapter.sessions!.ageSession(me.body.sessionId!, 20_000);
  say("… 20 seconds later (rows aged by the demo) …");
  const replay = await call("POST", "/refresh", { refreshToken: first.refreshToken });
  say(
    `POST /refresh (old refresh token, after 15 s) → ${replay.status} ${JSON.stringify(replay.body)}`,
  );
  const owner = await call("GET", "/me", undefined, second.accessToken);
  say(
    `GET  /me (the owner's newest token) → ${owner.status} ${JSON.stringify(owner.body)}: the whole session is revoked`,
  );

  await Promise.race([
    reportLogged,
    new Promise((_, reject) => setTimeout(() => reject(new Error("no leak report")), 10_000)),
  ]);
} finally {
  await worker.stop();
  server.close();
  await adapter.close();
  rmSync(dir, { recursive: true, force: true });
}
