import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { queueWorkerAddJob, queueWorkerGetJob, type StorageAdapter } from "@docket/core";
import { afterAll, describe, expect, it } from "vitest";
import { createDashboardHandler } from "../src/index.ts";
import { allBackends } from "./backends.ts";
import { cardCount, type DashboardClient, listedIds, openDashboard } from "./http-client.ts";
import { HOSTILE_NAME, SEEDED_STATE_COUNTS, type SeededJobs, seedJobs } from "./seed.ts";

for (const backend of allBackends()) {
  describe.skipIf(!backend.available)(`dashboard over HTTP: ${backend.label}`, () => {
    const clients: DashboardClient[] = [];
    afterAll(async () => {
      for (const client of clients.splice(0)) await client.close();
      await backend.teardown();
    });

    async function setup(options: Parameters<typeof openDashboard>[1] = {}) {
      const adapter = await backend.create();
      const ids = await seedJobs(adapter);
      const client = await openDashboard(adapter, options);
      clients.push(client);
      return { adapter, ids, client };
    }

    it("shows counts by state and by name on the overview, with the last hour's chart", async () => {
      const { client } = await setup();
      const page = await client.get("/");
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      for (const [state, count] of Object.entries(SEEDED_STATE_COUNTS)) {
        expect(cardCount(page.body, state), state).toBe(count);
      }
      expect(page.body).toContain("<svg");
      expect(page.body).toContain("1 completed, 2 failed");
      expect(page.body).toMatch(
        /<th scope="row"><a href="\/jobs\?name=report.build">report.build<\/a>/,
      );
      const fragment = await client.get("/fragments/overview");
      expect(fragment.status).toBe(200);
      expect(fragment.body.startsWith('<div id="overview-live"')).toBe(true);
    });

    it("shares the overview's counts between requests for statsMaxAgeMs", async () => {
      const { adapter, client } = await setup({ statsMaxAgeMs: 60_000 });
      const fresh = await openDashboard(adapter, { statsMaxAgeMs: 0 });
      clients.push(fresh);
      expect(cardCount((await client.get("/")).body, "pending")).toBe(1);
      await queueWorkerAddJob(adapter, { name: "email.send" });
      expect(cardCount((await client.get("/")).body, "pending")).toBe(1);
      expect(cardCount((await fresh.get("/")).body, "pending")).toBe(2);
      // The job list is never cached.
      expect(
        (await client.get("/jobs?state=pending")).body.match(/badge state-pending/g),
      ).toHaveLength(2);
    });

    it("filters the job list by name and state", async () => {
      const { client, ids } = await setup();
      const byName = await client.get("/jobs?name=email.send");
      expect(listedIds(byName.body)).toEqual([
        ids.cancelled,
        ids.scheduled,
        ids.pending,
        ids.completed,
      ]);
      const cancelled = await client.get("/jobs?state=cancelled");
      expect(listedIds(cancelled.body)).toEqual([ids.cancelled]);
      const failed = await client.get("/jobs?state=failed");
      expect(listedIds(failed.body)).toEqual([ids.hostile, ids.failed]);
      const both = await client.get("/jobs?name=report.build&state=running");
      expect(listedIds(both.body)).toEqual([ids.running]);
    });

    it("pages the job list by id and never shows more than a page", async () => {
      const { client } = await setup({ pageSize: 3 });
      const first = await client.get("/jobs");
      const firstIds = listedIds(first.body);
      expect(firstIds).toHaveLength(3);
      const older = /<a rel="next" href="\/jobs\?before=([0-9]+)">/.exec(first.body);
      expect(older?.[1]).toBe(String(firstIds[2]));
      const second = await client.get(`/jobs?before=${firstIds[2]}`);
      const secondIds = listedIds(second.body);
      expect(secondIds).toHaveLength(3);
      expect(Math.max(...secondIds)).toBeLessThan(Math.min(...firstIds));
      const third = await client.get(`/jobs?before=${secondIds[2]}`);
      expect(listedIds(third.body).length).toBeLessThanOrEqual(3);
      expect(third.body).toContain("« Newest");
    });

    it("shows a job's data, error, attempts and times, escaping a hostile job as text", async () => {
      const { client, ids } = await setup();
      const page = await client.get(`/jobs/${ids.hostile}`);
      expect(page.status).toBe(200);
      expect(page.body).not.toContain("<script>alert");
      expect(page.body).not.toContain("<img src=x");
      expect(page.body).not.toContain("<b>boom");
      expect(page.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(page.body).toContain("&lt;img src=x onerror=alert(2)&gt;");
      expect(page.body).toContain("Error: &lt;b&gt;boom&lt;/b&gt;");
      expect(page.body).toMatch(/attempts \(failed\)<\/th><td>1</);
      const list = await client.get("/jobs?state=failed");
      expect(list.body).not.toContain(HOSTILE_NAME);
      const overview = await client.get("/");
      expect(overview.body).not.toContain(HOSTILE_NAME);
      const normal = await client.get(`/jobs/${ids.failed}`);
      expect(normal.body).toContain("Error: the report broke");
    });

    it("shows the cron schedule with next run times", async () => {
      const { client } = await setup();
      const page = await client.get("/cron");
      expect(page.body).toContain("nightly.cleanup");
      expect(page.body).toContain("<code>0 1 * * *</code>");
      expect(page.body.match(/[0-9]{4}-[0-9]{2}-[0-9]{2} 01:00:00Z/g)?.length).toBe(4);
    });

    it("answers 400 for bad filters and 404 for unknown jobs and pages", async () => {
      const { client } = await setup();
      expect((await client.get("/jobs?state=done")).status).toBe(400);
      expect((await client.get("/jobs?before=abc")).status).toBe(400);
      expect((await client.get(`/jobs?name=${"x".repeat(256)}`)).status).toBe(400);
      expect((await client.get("/jobs/999999")).status).toBe(404);
      expect((await client.get("/jobs/abc")).status).toBe(404);
      expect((await client.get("/nothing-here")).status).toBe(404);
    });

    it("sends security headers on every response", async () => {
      const { client, ids } = await setup();
      const first = await client.get("/");
      const cookie = first.headers.get("set-cookie") ?? "";
      expect(cookie).toContain("HttpOnly");
      expect(cookie).toContain("SameSite=Strict");
      for (const path of ["/", `/jobs/${ids.failed}`, "/assets/htmx.min.js", "/nothing"]) {
        const page = await client.get(path);
        const csp = page.headers.get("content-security-policy") ?? "";
        expect(csp, path).toContain("frame-ancestors 'none'");
        expect(csp, path).toContain("script-src 'self'");
        expect(csp, path).not.toContain("unsafe-inline");
        expect(page.headers.get("x-content-type-options"), path).toBe("nosniff");
        expect(page.headers.get("x-frame-options"), path).toBe("DENY");
      }
      const page = await client.get("/");
      expect(page.headers.get("cache-control")).toBe("no-store");
      expect(page.body).not.toMatch(/<script>|<script [^>]*>[^<]/);
      expect(page.body).not.toMatch(/ style="/);
    });

    it("serves htmx from the package", async () => {
      const { client } = await setup();
      const htmx = await client.get("/assets/htmx.min.js");
      expect(htmx.status).toBe(200);
      expect(htmx.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect(htmx.body).toContain("htmx");
      expect((await client.get("/assets/dashboard.css")).status).toBe(200);
    });

    it("refuses a POST without a valid CSRF token and changes nothing", async () => {
      const { adapter, client, ids } = await setup();
      const token = await client.csrfToken();
      const noToken = await client.post(`/jobs/${ids.pending}/delete`, {});
      expect(noToken.status).toBe(403);
      expect(noToken.body).toContain("CSRF");
      const wrongToken = await client.post(`/jobs/${ids.pending}/delete`, {
        _csrf: `${token.slice(0, -2)}xx`,
      });
      expect(wrongToken.status).toBe(403);
      // A token is bound to its browser's cookie: with another cookie it is worthless.
      const other = await openDashboardFor(adapter, client);
      other.cookie = "docket_csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
      expect((await other.post(`/jobs/${ids.pending}/delete`, { _csrf: token })).status).toBe(403);
      const crossSite = await client.post(
        `/jobs/${ids.pending}/delete`,
        { _csrf: token },
        { "sec-fetch-site": "cross-site" },
      );
      expect(crossSite.status).toBe(403);
      expect(await queueWorkerGetJob(adapter, ids.pending)).not.toBeNull();
    });

    it("retries a failed job: 303 to its page, pending again, its error kept", async () => {
      const { adapter, client, ids } = await setup();
      const token = await client.csrfToken();
      const response = await client.post(`/jobs/${ids.failed}/retry`, { _csrf: token });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe(`/jobs/${ids.failed}?notice=retried`);
      const job = await queueWorkerGetJob(adapter, ids.failed);
      expect(job).toMatchObject({ isComplete: false, retryCount: 0, failedAt: null });
      expect(job?.lastError).toBe("Error: the report broke");
      const page = await client.get(`/jobs/${ids.failed}?notice=retried`);
      expect(page.body).toContain('class="notice"');
      expect(page.body).toContain('data-state="pending"');
      expect(page.body).toContain('hx-trigger="every 2s"');
    });

    it("cancels a pending job and deletes a finished one", async () => {
      const { adapter, client, ids } = await setup();
      const token = await client.csrfToken();
      const cancel = await client.post(`/jobs/${ids.pending}/cancel`, { _csrf: token });
      expect(cancel.status).toBe(303);
      expect((await queueWorkerGetJob(adapter, ids.pending))?.cancelledAt).toBeInstanceOf(Date);
      const page = await client.get(`/jobs/${ids.pending}`);
      expect(page.body).toContain('data-state="cancelled"');
      const remove = await client.post(`/jobs/${ids.completed}/delete`, { _csrf: token });
      expect(remove.status).toBe(303);
      expect(remove.headers.get("location")).toBe(`/jobs?notice=deleted&id=${ids.completed}`);
      expect(await queueWorkerGetJob(adapter, ids.completed)).toBeNull();
      const list = await client.get(`/jobs?notice=deleted&id=${ids.completed}`);
      expect(list.body).toContain(`Deleted job ${ids.completed}.`);
    });

    it("says why an action changed nothing: running (409), wrong state (409), gone (404)", async () => {
      const { adapter, client, ids } = await setup();
      const token = await client.csrfToken();
      const running = await client.post(`/jobs/${ids.running}/delete`, { _csrf: token });
      expect(running.status).toBe(409);
      expect(running.body).toContain("is running");
      expect(await queueWorkerGetJob(adapter, ids.running)).not.toBeNull();
      const completed = await client.post(`/jobs/${ids.completed}/cancel`, { _csrf: token });
      expect(completed.status).toBe(409);
      expect(completed.body).toContain("(it is completed)");
      const missing = await client.post("/jobs/987654/retry", { _csrf: token });
      expect(missing.status).toBe(404);
      const running2 = await client.get(`/jobs/${ids.running}`);
      expect(running2.body).not.toContain('action="/jobs/');
    });

    it("retries every failed job of a name, and only those", async () => {
      const { adapter, client, ids } = await setup();
      const token = await client.csrfToken();
      const response = await client.post("/jobs/retry-failed", {
        _csrf: token,
        name: "report.build",
      });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe(
        "/jobs?name=report.build&notice=retried-failed&count=1",
      );
      expect((await queueWorkerGetJob(adapter, ids.failed))?.isComplete).toBe(false);
      expect((await queueWorkerGetJob(adapter, ids.hostile))?.failedAt).not.toBeNull();
      const page = await client.get("/jobs?name=report.build&notice=retried-failed&count=1");
      expect(page.body).toContain("Retried 1 failed job.");
    });

    it("accepts actions only by POST and pages only by GET", async () => {
      const { client, ids } = await setup();
      const get = await client.get(`/jobs/${ids.failed}/retry`);
      expect(get.status).toBe(405);
      const token = await client.csrfToken();
      expect((await client.post("/jobs", { _csrf: token })).status).toBe(405);
    });

    it("in read-only mode shows no action buttons and refuses every POST", async () => {
      const { adapter, client, ids } = await setup({ readOnly: true });
      const page = await client.get(`/jobs/${ids.failed}`);
      expect(page.body).not.toContain('<form class="action"');
      expect(page.body).toContain("read-only");
      const overview = await client.get("/");
      expect(overview.body).not.toContain('method="post"');
      const refused = await client.post(`/jobs/${ids.failed}/retry`, {});
      expect(refused.status).toBe(403);
      expect((await queueWorkerGetJob(adapter, ids.failed))?.failedAt).not.toBeNull();
    });

    it("asks authorize() for every request and fails closed when it throws", async () => {
      const { client } = await setup({
        authorize: (req) => req.headers["x-operator"] === "yes",
      });
      expect((await client.get("/")).status).toBe(403);
      expect((await client.get("/assets/htmx.min.js")).status).toBe(403);
      expect((await client.get("/", { "x-operator": "yes" })).status).toBe(200);
      const { client: throwing } = await setup({
        authorize: () => {
          throw new Error("auth backend down");
        },
        logger: { info() {}, error() {} },
      });
      expect((await throwing.get("/")).status).toBe(403);
    });

    it("serves under a base path, with or without the prefix on the request", async () => {
      const { client, ids } = await setup({ basePath: "/admin/jobs" });
      expect(client.server.url.endsWith("/admin/jobs")).toBe(true);
      const page = await client.get(`/jobs/${ids.failed}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('href="/admin/jobs/assets/dashboard.css"');
      expect(page.body).toContain(`action="/admin/jobs/jobs/${ids.failed}/retry"`);
      expect(page.headers.get("set-cookie")).toContain("Path=/admin/jobs");
      const stripped = await fetch(`http://127.0.0.1:${client.server.port}/jobs/${ids.failed}`);
      expect(stripped.status).toBe(200);
    });

    it("hands unknown paths to next() in a middleware chain", async () => {
      const adapter = await backend.create();
      const handler = createDashboardHandler(adapter, { basePath: "/admin" });
      const server = createServer((req, res) =>
        handler(req, res, () => {
          res.statusCode = 418;
          res.end("next");
        }),
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        expect((await fetch(`${base}/admin/elsewhere`)).status).toBe(418);
        expect((await fetch(`${base}/admin/jobs`)).status).toBe(200);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it("answers 500 without details when the database fails, and logs why", async () => {
      const adapter = await backend.create();
      const logged: Record<string, unknown>[] = [];
      const client = await openDashboard(adapter, {
        logger: { info() {}, error: (entry) => logged.push(entry) },
      });
      clients.push(client);
      await adapter.close();
      const page = await client.get("/");
      expect(page.status).toBe(500);
      expect(page.body).toBe("Internal error; see the server log.");
      expect(logged[0]).toMatchObject({ type: "dashboard_error", method: "GET", url: "/" });
    });

    it("binds 127.0.0.1 by default", async () => {
      const { client } = await setup();
      expect(client.server.host).toBe("127.0.0.1");
    });
  });
}

/** A second client (another "browser") for the same server as `client`. */
async function openDashboardFor(
  _adapter: StorageAdapter,
  client: DashboardClient,
): Promise<DashboardClient> {
  const { DashboardClient } = await import("./http-client.ts");
  return new DashboardClient(client.server);
}

export type { SeededJobs };
