import { claimRequest, newJob as job } from "@docket/core/testing";
import { describe, expect, it } from "vitest";
import { MAX_LISTED_VALUES, MAX_LITERAL_LIMIT } from "../src/sqlite-sql.ts";
import { type Queue, queue } from "./sqlite-test-queue.ts";

/**
 * The claim's statements come in several shapes (`sqlite-sql.ts`): names and leased ids
 * listed as one parameter each up to `MAX_LISTED_VALUES`, a JSON array past it; the
 * limit written as a literal up to `MAX_LITERAL_LIMIT`, bound past it. Every shape must
 * claim exactly what the others would: the right names, the right count, in spec order.
 */

function names(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `name-${i}`);
}

function lockedIds(q: Queue, leaseToken: string): number[] {
  const rows = q.db
    .prepare(`SELECT id FROM ${q.table} WHERE locked_by = ? ORDER BY id`)
    .all(leaseToken) as { id: number }[];
  return rows.map((row) => row.id);
}

describe("sqlite adapter: claim statement shapes", () => {
  it.each([1, 2, MAX_LISTED_VALUES, MAX_LISTED_VALUES + 1])(
    "claims only the %i requested names, in spec order",
    async (count) => {
      const q = await queue();
      const all = names(MAX_LISTED_VALUES + 4);
      // Every name twice, the later ones more urgent; the two names past `count` most urgent.
      const ids = await q.adapter.enqueue(
        [...all, ...all].map((name, i) => job({ name, priority: 1000 - i })),
      );
      const wanted = new Set(all.slice(0, count));
      const claim = claimRequest({ names: [...wanted], limit: 100 });
      const { jobs } = await q.adapter.claim(claim);
      const expected = ids
        .map((id, i) => ({ id, name: [...all, ...all][i]!, priority: 1000 - i }))
        .filter((row) => wanted.has(row.name))
        .sort((a, b) => a.priority - b.priority)
        .map((row) => row.id);
      expect(jobs.map((claimed) => claimed.id)).toEqual(expected);
      expect(lockedIds(q, claim.leaseToken)).toEqual([...expected].sort((a, b) => a - b));
    },
  );

  it.each([1, MAX_LISTED_VALUES, MAX_LISTED_VALUES + 1, MAX_LITERAL_LIMIT, MAX_LITERAL_LIMIT + 1])(
    "leases exactly a limit of %i jobs, in spec order",
    async (limit) => {
      const q = await queue();
      const total = MAX_LITERAL_LIMIT + 10;
      const ids = await q.adapter.enqueue(
        Array.from({ length: total }, (_, i) => job({ priority: total - i })),
      );
      const claim = claimRequest({ limit });
      const { jobs } = await q.adapter.claim(claim);
      const expected = [...ids].reverse().slice(0, limit);
      expect(jobs.map((claimed) => claimed.id)).toEqual(expected);
      expect(lockedIds(q, claim.leaseToken)).toEqual([...expected].sort((a, b) => a - b));
      // The next claim, with the same shapes, takes the following jobs.
      const next = await q.adapter.claim(claimRequest({ limit }));
      expect(next.jobs.map((claimed) => claimed.id)).toEqual(
        [...ids].reverse().slice(limit, 2 * limit),
      );
    },
  );

  it("claims nothing with a limit of 0", async () => {
    const q = await queue();
    await q.adapter.enqueue([job()]);
    const { jobs } = await q.adapter.claim(claimRequest({ limit: 0 }));
    expect(jobs).toEqual([]);
  });
});
