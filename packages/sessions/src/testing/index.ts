import type { SessionStoreHarness } from "./harness.ts";
import { describeSessionJobs } from "./suite-jobs.ts";
import { describeSessionLifecycle } from "./suite-lifecycle.ts";
import { describeSessionRefresh } from "./suite-refresh.ts";
import { describeSessionTokens } from "./suite-tokens.ts";

export { sessionStoreHarness } from "./adapter-harness.ts";
export type { SessionStoreHarness } from "./harness.ts";

/**
 * The session store conformance suite (docs/sessions.md): every behaviour and attack,
 * run unchanged by each adapter package against its real database. Each block uses its
 * own tables from `harness.create()`; `harness.teardown()` runs after each block.
 */
export function describeSessionStore(harness: SessionStoreHarness): void {
  describeSessionLifecycle(harness);
  describeSessionTokens(harness);
  describeSessionRefresh(harness);
  describeSessionJobs(harness);
}
