import { expect, it } from "vitest";
import {
  claimRequest,
  describePostgres,
  newJob,
  outcome,
  quoted,
  setupPostgres,
  statementNames,
} from "./postgres-test-helpers.ts";

/**
 * Successes that delete their rows (`deleteOnFinish`) ride on the next claim as plain
 * successes do, through the DELETE form of the paired statement (`DoneFinish` in
 * postgres-sql.ts). The shared suite checks the answers; this checks that the pairing
 * happens and that only guarded rows go.
 */
describePostgres("postgres adapter: deleting successes ride on the next claim", () => {
  const { harness, sql } = setupPostgres();

  it("deletes the rows whose lease holds, in the claim's statement, and claims past them", async () => {
    const adapter = await harness.create();
    const [a, b, c] = await adapter.enqueue([
      newJob({ priority: 1 }),
      newJob({ priority: 2 }),
      newJob({ priority: 3 }),
    ]);
    const first = await adapter.claim(claimRequest({ limit: 2 }));
    expect(first.jobs.map((job) => job.id)).toEqual([a, b]);
    const names = statementNames(adapter);
    const completing = adapter.complete([
      outcome(a!, first.jobs[0]!.lockedBy!, { deleteOnFinish: true }),
      outcome(b!, "not-the-lease", { deleteOnFinish: true }),
    ]);
    const claiming = adapter.claim(claimRequest({ limit: 2 }));
    const [completed, claimed] = await Promise.all([completing, claiming]);
    expect(completed).toEqual({ recorded: [a], lost: [b] });
    expect(claimed.jobs.map((job) => job.id)).toEqual([c]);
    expect(names.filter((name) => name.startsWith("docket_deleted_claim"))).toHaveLength(1);
    expect(names.filter((name) => name.startsWith("docket_complete"))).toHaveLength(0);
    const rows = await sql<{ id: string; is_complete: boolean }>(
      `SELECT id, is_complete FROM ${quoted(adapter)} ORDER BY id`,
    );
    expect(rows.map((row) => [Number(row.id), row.is_complete])).toEqual([
      [b, false],
      [c, false],
    ]);
  });

  it("writes deleting and keeping successes handed in one turn both, each in its own form", async () => {
    const adapter = await harness.create();
    const [a, b, c] = await adapter.enqueue([newJob(), newJob(), newJob()]);
    const first = await adapter.claim(claimRequest({ limit: 2 }));
    const [ja, jb] = first.jobs;
    const deleting = adapter.complete([outcome(a!, ja!.lockedBy!, { deleteOnFinish: true })]);
    const keeping = adapter.complete([outcome(b!, jb!.lockedBy!)]);
    const claiming = adapter.claim(claimRequest({ limit: 1 }));
    const [deleted, kept, claimed] = await Promise.all([deleting, keeping, claiming]);
    expect(deleted).toEqual({ recorded: [a], lost: [] });
    expect(kept).toEqual({ recorded: [b], lost: [] });
    expect(claimed.jobs.map((job) => job.id)).toEqual([c]);
    const rows = await sql<{ id: string; is_complete: boolean }>(
      `SELECT id, is_complete FROM ${quoted(adapter)} ORDER BY id`,
    );
    expect(rows.map((row) => [Number(row.id), row.is_complete])).toEqual([
      [b, true],
      [c, false],
    ]);
  });
});
