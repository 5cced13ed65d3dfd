import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's chromium; `.ci/run` installs it when missing. */
export const CHROMIUM_PATH = process.env.DOCKET_CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  console.warn(
    `\n!!! dashboard browser tests SKIPPED: no chromium at ${CHROMIUM_PATH} ` +
      "(apt-get install -y chromium, or set DOCKET_CHROMIUM_PATH).\n",
  );
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/**
 * A page that records what must never happen on the dashboard: a JavaScript dialog it did
 * not ask for (an injected `alert`), a console error (a CSP violation shows up there), an
 * uncaught exception. Confirm dialogs the dashboard asks itself are accepted.
 */
export async function watchedPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("dialog", (dialog) => {
    if (dialog.type() === "confirm") {
      void dialog.accept();
    } else {
      problems.push(`unexpected ${dialog.type()} dialog: ${dialog.message()}`);
      void dialog.dismiss();
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return { page, problems };
}
