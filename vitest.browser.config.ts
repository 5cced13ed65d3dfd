import { defineConfig } from "vitest/config";

/**
 * Browser tests: Debian's chromium driven by playwright-core (`pnpm test:browser`). Kept out
 * of the root config (`*.browser.ts` is not `*.test.ts`) because they need /usr/bin/chromium,
 * which `.ci/run` installs when it is missing. One file at a time: each starts a browser.
 */
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.browser.ts"],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
    reporters: ["default"],
  },
});
