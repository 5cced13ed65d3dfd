import type { StorageAdapter } from "@docket/core";
import { type DashboardOptions, type DashboardServer, startDashboardServer } from "../src/index.ts";

/** A real dashboard server on an ephemeral port, and a tiny browser-like client for it. */
export async function openDashboard(
  adapter: StorageAdapter,
  options: DashboardOptions = {},
): Promise<DashboardClient> {
  const server = await startDashboardServer({ adapter, ...options });
  return new DashboardClient(server);
}

export interface Page {
  status: number;
  headers: Headers;
  body: string;
}

export class DashboardClient {
  /** The CSRF cookie, kept like a browser keeps it. */
  cookie = "";

  constructor(readonly server: DashboardServer) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    const response = await fetch(this.server.url + path, {
      headers: { ...(this.cookie === "" ? {} : { cookie: this.cookie }), ...headers },
      redirect: "manual",
    });
    this.keepCookie(response);
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  /** POSTs a urlencoded form (without following the redirect). */
  async post(
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    const response = await fetch(this.server.url + path, {
      method: "POST",
      body: new URLSearchParams(fields).toString(),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...(this.cookie === "" ? {} : { cookie: this.cookie }),
        ...headers,
      },
      redirect: "manual",
    });
    this.keepCookie(response);
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  /** Reads the CSRF token from a page's forms (getting a page first sets the cookie). */
  async csrfToken(path = "/"): Promise<string> {
    const page = await this.get(path);
    const match = /name="_csrf" value="([^"]+)"/.exec(page.body);
    if (match === null) throw new Error(`no CSRF token on ${path}`);
    return match[1]!;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private keepCookie(response: Response): void {
    const set = response.headers.get("set-cookie");
    if (set !== null) this.cookie = set.split(";")[0]!;
  }
}

/** The number shown on the overview's card for `state`. */
export function cardCount(body: string, state: string): number | null {
  const match = new RegExp(`data-state="${state}">([0-9,]+)<`).exec(body);
  return match === null ? null : Number(match[1]!.replaceAll(",", ""));
}

/** Job ids linked from a job list page, in page order. */
export function listedIds(body: string): number[] {
  return [...body.matchAll(/<td class="num"><a href="[^"]*\/jobs\/([0-9]+)">/g)].map((m) =>
    Number(m[1]),
  );
}
