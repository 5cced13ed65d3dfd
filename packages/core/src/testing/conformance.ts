import { afterAll, afterEach, describe } from "vitest";
import type { StorageAdapter } from "../storage-adapter.ts";
import type { AdapterHarness } from "./harness.ts";
import { addJobsSuite } from "./suite-add-jobs.ts";
import type { SuiteContext } from "./suite-context.ts";
import { cronSuite } from "./suite-cron.ts";
import { expiredLeasesSuite } from "./suite-expired-leases.ts";
import { jobActionsSuite } from "./suite-job-actions.ts";
import { jobStatesSuite } from "./suite-job-states.ts";
import { jobViewsSuite } from "./suite-job-views.ts";
import { queueCountsSuite } from "./suite-queue-counts.ts";
import { readJobsSuite } from "./suite-read-jobs.ts";
import { resilienceSuite } from "./suite-resilience.ts";
import { schemaSuite } from "./suite-schema.ts";
import { seamCapabilitiesSuite } from "./suite-seam-capabilities.ts";
import { seamClaimSuite } from "./suite-seam-claim.ts";
import { seamCompleteSuite } from "./suite-seam-complete.ts";
import { seamCronSuccessorSuite } from "./suite-seam-cron-successor.ts";
import { seamEnqueueSuite } from "./suite-seam-enqueue.ts";
import { seamLifecycleSuite } from "./suite-seam-lifecycle.ts";
import { timeoutsSuite } from "./suite-timeouts.ts";
import { transactionsSuite } from "./suite-transactions.ts";
import { workerOptionsSuite } from "./suite-worker-options.ts";
import { workerRunSuite } from "./suite-worker-run.ts";

/**
 * The behavioural contract of docs/queue.md §2–§7, driven through Docket's public API and the
 * `StorageAdapter` seam against one adapter; the `seam:` sections call the seam's methods
 * directly, putting rows into every state through the seam itself (no SQL), so an adapter's
 * own tests keep only what is specific to its database. Each adapter package calls it from its
 * `test/conformance.test.ts` with its own harness. Every test works on a fresh queue of
 * its own, so the sections may run concurrently.
 */
export function describeStorageAdapter(harness: AdapterHarness): void {
  // Each test's adapters are closed when it ends, not only at teardown: a suite that keeps
  // every test's connection pool open runs a shared MySQL server out of connections.
  const opened: StorageAdapter[] = [];
  const track = (adapter: StorageAdapter) => {
    opened.push(adapter);
    return adapter;
  };
  const tracking = Object.create(harness) as AdapterHarness;
  tracking.create = async (options) => track(await harness.create(options));
  tracking.reopen = async (adapter) => track(await harness.reopen(adapter));
  const context: SuiteContext = {
    harness: tracking,
    queue: (): Promise<StorageAdapter> => tracking.create(),
  };
  describe(`conformance: ${harness.label}`, () => {
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((adapter) => adapter.close()));
    });
    afterAll(() => harness.teardown());
    describe("adding jobs (§2)", () => addJobsSuite(context));
    describe("reading jobs (§2b)", () => readJobsSuite(context));
    describe("worker options (§3)", () => workerOptionsSuite(context));
    describe("running jobs (§3)", () => workerRunSuite(context));
    describe("timeouts (§3, §7)", () => timeoutsSuite(context));
    describe("many workers, leases and crashes (§3, §7)", () => resilienceSuite(context));
    describe("expired leases that held a job's last attempt (§3, §7)", () =>
      expiredLeasesSuite(context));
    describe("transactions (§2, §3)", () => transactionsSuite(context));
    describe("cron jobs (§5)", () => cronSuite(context));
    describe("queue counts and cleanup (§6)", () => queueCountsSuite(context));
    describe("operator actions (retry, cancel, delete)", () => jobActionsSuite(context));
    describe("operator views (counts by name, activity)", () => jobViewsSuite(context));
    describe("schema (one description, docs/adapters.md)", () => schemaSuite(context));
    describe("job states: core's rules and the adapter's SQL agree", () => jobStatesSuite(context));
    describe("seam: capabilities", () => seamCapabilitiesSuite(context));
    describe("seam: enqueue and getJob", () => seamEnqueueSuite(context));
    describe("seam: claim", () => seamClaimSuite(context));
    describe("seam: heartbeat and complete", () => seamCompleteSuite(context));
    describe("seam: cron successors", () => seamCronSuccessorSuite(context));
    describe("seam: migrations, transaction(fn), syncCron, close", () =>
      seamLifecycleSuite(context));
  });
}
