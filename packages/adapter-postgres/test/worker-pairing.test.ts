import { queueWorkerAddJobs, queueWorkerCreate, type StorageAdapter } from "@docket/core";
import { expect, it } from "vitest";
import {
  describePostgres,
  eventually,
  quoted,
  setupPostgres,
  statementNames,
} from "./postgres-test-helpers.ts";

/**
 * A worker at concurrency 1 writes each success in the statement that claims its next
 * job: one round trip and one commit per job. The pairing depends on the order of turns
 * between the worker's outcome recorder and the adapter's one-turn wait, which a change
 * in core once broke silently (every other success written alone: ~1.5 statements per job).
 */
describePostgres("postgres adapter: a worker pairs each success with its next claim", () => {
  const { harness, sql } = setupPostgres();
  const jobs = 60;

  /** Drains `jobs` jobs at concurrency 1; returns the prepared statements the pool ran. */
  async function drain(adapter: StorageAdapter, deleteJobOnCompletion: boolean) {
    await queueWorkerAddJobs(
      adapter,
      Array.from({ length: jobs }, () => ({ name: "job" })),
    );
    await sql(`ANALYZE ${quoted(adapter)}`);
    const names = statementNames(adapter);
    let ran = 0;
    const worker = queueWorkerCreate(adapter, {
      parallelCount: 1,
      deleteJobOnCompletion,
      logger: { info: () => {}, error: () => {} },
      handler: { job: async () => void ran++ },
    });
    worker.start();
    try {
      await eventually(() => ran === jobs);
    } finally {
      await worker.stop();
    }
    return names;
  }

  /** The first claim has nothing to carry, and the last success may be written by stop(). */
  function expectPaired(names: string[], prefix: string) {
    const alone = names.filter((name) => name.startsWith("docket_complete")).length;
    const paired = names.filter((name) => name.startsWith(prefix)).length;
    expect(paired).toBeGreaterThanOrEqual(jobs - 2);
    expect(alone).toBeLessThanOrEqual(2);
  }

  it("sends about one statement per job at concurrency 1", async () => {
    const adapter = await harness.create();
    expectPaired(await drain(adapter, false), "docket_done");
  });

  it("pairs successes that delete their rows too (deleteJobOnCompletion)", async () => {
    const adapter = await harness.create();
    expectPaired(await drain(adapter, true), "docket_deleted");
    const left = await sql<{ count: string }>(`SELECT count(*) FROM ${quoted(adapter)}`);
    expect(Number(left[0]!.count)).toBe(0);
  });
});
