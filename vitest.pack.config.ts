import { defineConfig } from "vitest/config";

// `pnpm test:pack` (docs/packaging.md): the packed-install suite. Its files are named
// `*.pack.ts`, so the root vitest.config.ts never picks them up.
export default defineConfig({
  test: {
    include: ["packaging/**/*.pack.ts"],
    // Building, packing and `npm install` happen once in beforeAll; each test then runs a
    // process in the installed app. Generous bounds: the CI machine is small and shared.
    testTimeout: 180_000,
    hookTimeout: 600_000,
    pool: "forks",
    reporters: ["default"],
  },
});
