import { defineConfig } from "vitest/config";

/**
 * `pnpm test:faults`: the fault-injection experiments (`packages/faults`). They spawn real
 * worker processes and time leases, so they run one file at a time; each experiment
 * bounds its own waits (see `packages/faults/src/scale.ts`).
 */
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.faults.ts"],
    fileParallelism: false,
    testTimeout: 420_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default"],
  },
});
