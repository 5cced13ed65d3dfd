import type { StorageAdapter } from "@docket/core";
import type { ClaimRequest } from "@docket/core/adapter";
import { claimRequest, newJob as job, outcome } from "@docket/core/testing";
import { describe, expect, it, vi } from "vitest";
import { createSqliteAdapter } from "../src/index.ts";
import { filename, opened, type Queue, queue } from "./sqlite-test-queue.ts";

/**
 * A `complete` of successes and a `claim` made in the same turn of the event loop share
 * one `BEGIN IMMEDIATE` transaction (`PairedComplete`): these check that the guards, the
 * order and the results are exactly those of the two calls made one after the other.
 */

interface Row {
  id: number;
  is_complete: number;
  completed_at: number | null;
  locked_by: string | null;
  updated_at: number;
  retry_count: number;
}

function claimAll(
  adapter: StorageAdapter,
  leaseToken: string,
  overrides: Partial<ClaimRequest> = {},
) {
  return adapter.claim(claimRequest({ leaseToken, limit: 100, ...overrides }));
}

function rows(q: Queue): Row[] {
  return q.db.prepare(`SELECT * FROM ${q.table} ORDER BY id`).all() as Row[];
}

/** A new queue with one job, leased with token `w:1`. */
async function leasedJob(): Promise<{ q: Queue; id: number }> {
  const q = await queue();
  const [id] = await q.adapter.enqueue([job()]);
  await claimAll(q.adapter, "w:1");
  return { q, id: id! };
}

describe("sqlite adapter: a success and the next claim in one transaction", () => {
  it("records the winners, reports the stale token lost and claims the next jobs in order", async () => {
    const q = await queue();
    const [a, b, c, d] = await q.adapter.enqueue([
      job({ priority: 1 }),
      job({ priority: 2 }),
      job({ priority: 3 }),
      job({ priority: 4 }),
    ]);
    await claimAll(q.adapter, "w:1", { limit: 2 });
    // A clock that moves on every reading: two transactions could not share a `now`.
    let clock = Date.now();
    const tick = vi.spyOn(Date, "now").mockImplementation(() => ++clock);
    // Same turn: the complete waits for the claim and is written in its transaction.
    const completing = q.adapter.complete([outcome(a!, "w:1"), outcome(b!, "someone-else")]);
    expect(rows(q)[0]!.is_complete).toBe(0);
    const claiming = claimAll(q.adapter, "w:2", { limit: 1 });
    const [completed, claimed] = await Promise.all([completing, claiming]);
    tick.mockRestore();
    expect(completed).toEqual({ recorded: [a], lost: [b] });
    // b is still leased (its real owner has not finished): the claim passes it by.
    expect(claimed.jobs.map((row) => row.id)).toEqual([c]);
    const [rowA, rowB, rowC, rowD] = rows(q);
    expect(
      [rowA, rowB, rowC, rowD].map((row) => [row!.id, row!.is_complete, row!.locked_by]),
    ).toEqual([
      [a, 1, null],
      [b, 0, "w:1"],
      [c, 0, "w:2"],
      [d, 0, null],
    ]);
    // One transaction, one clock reading: the completion and the new lease share it.
    expect(rowA!.completed_at).toBe(rowC!.updated_at);
  });

  it("never hands out a job it is completing, even when its lease has expired", async () => {
    const q = await queue();
    const [a, b] = await q.adapter.enqueue([job({ priority: 1 }), job({ priority: 2 })]);
    await claimAll(q.adapter, "w:1", { limit: 1, leaseMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const completing = q.adapter.complete([outcome(a!, "w:1")]);
    const claiming = claimAll(q.adapter, "w:2", { limit: 2 });
    const [completed, claimed] = await Promise.all([completing, claiming]);
    expect(completed).toEqual({ recorded: [a], lost: [] });
    expect(claimed.jobs.map((row) => row.id)).toEqual([b]);
    expect(rows(q)[0]!.retry_count).toBe(0);
  });

  it("writes a success alone, one turn later, when no claim comes", async () => {
    const { q, id: a } = await leasedJob();
    const completing = q.adapter.complete([outcome(a, "w:1")]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(rows(q)[0]!.is_complete).toBe(1);
    expect(await completing).toEqual({ recorded: [a], lost: [] });
  });

  it("writes a failure at once: it never waits for a claim", async () => {
    const { q, id: a } = await leasedJob();
    const completing = q.adapter.complete([
      outcome(a, "w:1", { kind: "retry", error: "boom", retryDelayMs: null }),
    ]);
    // Synchronous, as before: the retry is eligible before any later claim.
    expect(rows(q)[0]).toMatchObject({ is_complete: 0, locked_by: null, retry_count: 1 });
    expect(await completing).toEqual({ recorded: [a], lost: [] });
  });

  it("records waiting successes when the claim fails for good, and the claim fails alone", async () => {
    const q = await queue();
    const [a] = await q.adapter.enqueue([job(), job()]);
    await claimAll(q.adapter, "w:1", { limit: 1 });
    // Without its index the claim statement cannot be prepared (INDEXED BY).
    q.db.exec(`DROP INDEX ${q.table}_claim_idx`);
    const completing = q.adapter.complete([outcome(a!, "w:1")]);
    const claiming = claimAll(q.adapter, "w:2");
    await expect(claiming).rejects.toMatchObject({ code: "database_error", retryable: false });
    expect(await completing).toEqual({ recorded: [a], lost: [] });
    expect(rows(q)[0]!.is_complete).toBe(1);
  });

  it("writes waiting successes before close() releases the connection", async () => {
    const { q, id: a } = await leasedJob();
    const completing = q.adapter.complete([outcome(a, "w:1")]);
    await q.adapter.close();
    expect(await completing).toEqual({ recorded: [a], lost: [] });
    const other = createSqliteAdapter({ filename, tableName: q.table });
    opened.push(other);
    expect((await other.getJob(a))!.isComplete).toBe(true);
  });
});
