import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { queueWorkerCreate, queueWorkerGetJob } from "@docket/core";
import { memoryLogger } from "@docket/core/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboardServer } from "../src/index.ts";
import { allBackends } from "./backends.ts";
import { chromiumAvailable, launchChromium, watchedPage } from "./browser-session.ts";
import { HOSTILE_NAME, SEEDED_STATE_COUNTS, seedJobs } from "./seed.ts";

/** Screenshots land in the repository's `.tmp/` (CI keeps it). */
const SCREENSHOT_DIR = join(import.meta.dirname, "..", "..", "..", ".tmp");

const hasChromium = chromiumAvailable();

describe.skipIf(!hasChromium)("dashboard in a real browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const backend of allBackends()) {
    describe.skipIf(!backend.available)(backend.label, () => {
      afterAll(() => backend.teardown());

      it("shows the counts, filters by name, retries a failed job and sees it complete", async () => {
        const adapter = await backend.create();
        const ids = await seedJobs(adapter);
        const server = await startDashboardServer({ adapter });
        const { page, problems } = await watchedPage(browser);
        try {
          await page.goto(server.url);
          for (const [state, count] of Object.entries(SEEDED_STATE_COUNTS)) {
            await expect
              .poll(() => page.locator(`.card-count[data-state="${state}"]`).textContent())
              .toBe(String(count));
          }
          expect(await page.locator("figure.chart svg rect.bar-failed").count()).toBe(1);
          mkdirSync(SCREENSHOT_DIR, { recursive: true });
          await page.screenshot({
            path: join(
              SCREENSHOT_DIR,
              backend.label === "sqlite"
                ? "dashboard-overview.png"
                : `dashboard-overview-${backend.label}.png`,
            ),
            fullPage: true,
          });

          // Filter by name through the form.
          await page.getByRole("link", { name: "Jobs", exact: true }).click();
          await page.getByLabel("name").fill("report.build");
          await page.getByRole("button", { name: "Filter" }).click();
          await page.waitForURL(/name=report.build/);
          const names = await page.locator("table.jobs tbody tr td:nth-child(2)").allTextContents();
          expect(names).toEqual(["report.build", "report.build"]);

          // Open the failed one and retry it.
          await page.locator(`table.jobs a[href$="/jobs/${ids.failed}"]`).first().click();
          await expect
            .poll(() => page.locator("#job-panel").getAttribute("data-state"))
            .toBe("failed");
          expect(await page.locator("pre.error").textContent()).toBe("Error: the report broke");
          await page.getByRole("button", { name: "Retry" }).click();
          await page.waitForURL(/notice=retried/);
          expect(await page.locator(".notice").textContent()).toContain("Retried");
          expect(await page.locator("#job-panel").getAttribute("data-state")).toBe("pending");

          // A worker runs it; the page (htmx polling the panel) shows it completed.
          const worker = queueWorkerCreate(adapter, {
            handler: { "report.build": async () => {} },
            pollInterval: 100,
            logger: memoryLogger(),
          });
          worker.start();
          try {
            await page.waitForSelector('#job-panel[data-state="completed"]', { timeout: 30_000 });
          } finally {
            await worker.stop();
          }
          const job = await queueWorkerGetJob(adapter, ids.failed);
          expect(job).toMatchObject({ isComplete: true, failedAt: null });
          expect(job?.lastError).toBe("Error: the report broke"); // kept as history
          expect(problems).toEqual([]);
        } finally {
          await page.context().close();
          await server.close();
        }
      });

      it("shows a hostile job name as text and refuses POSTs without the CSRF token", async () => {
        const adapter = await backend.create();
        const ids = await seedJobs(adapter);
        const server = await startDashboardServer({ adapter });
        const { page, problems } = await watchedPage(browser);
        try {
          await page.goto(`${server.url}/jobs?state=failed`);
          expect(
            await page.locator("table.jobs tbody tr td:nth-child(2)").first().textContent(),
          ).toBe(HOSTILE_NAME);
          await page.goto(`${server.url}/jobs/${ids.hostile}`);
          expect(await page.locator(".job-name").textContent()).toBe(HOSTILE_NAME);
          expect(await page.locator("pre.data").textContent()).toContain(
            "<img src=x onerror=alert(2)>",
          );
          expect(await page.locator("pre.error").textContent()).toContain(
            "<script>alert(3)</script>",
          );
          // Only the dashboard's own two script files exist; no injected element.
          expect(await page.locator("script").count()).toBe(2);
          expect(await page.locator("main img, main b, main script").count()).toBe(0);

          // A POST from the page without the token (fetch, then a form stripped of it).
          const status = await page.evaluate(async (url) => {
            const response = await fetch(url, {
              method: "POST",
              headers: { "content-type": "application/x-www-form-urlencoded" },
              body: "",
            });
            return response.status;
          }, `${server.url}/jobs/${ids.hostile}/delete`);
          expect(status).toBe(403);
          await page
            .locator('form[action$="/retry"] input[name="_csrf"]')
            .evaluate((input) => input.remove());
          await page.getByRole("button", { name: "Retry" }).click();
          await expect.poll(() => page.locator("h1").textContent()).toBe("Error 403");
          expect(await page.locator(".error-message").textContent()).toContain("CSRF");
          expect((await queueWorkerGetJob(adapter, ids.hostile))?.failedAt).not.toBeNull();
          // The console shows the 403s of the refused requests, and nothing else.
          expect(problems.filter((p) => !p.includes("403"))).toEqual([]);
        } finally {
          await page.context().close();
          await server.close();
        }
      });
    });
  }
});
