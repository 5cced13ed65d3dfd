import { expect, it } from "vitest";
import {
  claimRequest,
  describeMysql,
  newJob,
  outcome,
  setupMysql,
  tableOf,
} from "./mysql-test-helpers.ts";

// What only MySQL/MariaDB does; the seam's behaviour is checked by the shared conformance suite.

describeMysql("mysql adapter seam", () => {
  const { harness, sql, exec } = setupMysql();

  it("returns ids past 2^31 as numbers", async () => {
    const adapter = await harness.create();
    await exec(`ALTER TABLE ${tableOf(adapter)} AUTO_INCREMENT = 3000000000`);
    const ids = await adapter.enqueue([newJob(), newJob()]);
    expect(ids[0]).toBeGreaterThanOrEqual(3_000_000_000);
    expect(ids[1]).toBeGreaterThan(ids[0]!);
    const { jobs } = await adapter.claim(claimRequest({ leaseToken: "w:1" }));
    expect(jobs.map((job) => job.id)).toEqual(ids);
    const result = await adapter.complete(jobs.map((job) => outcome(job.id, "w:1")));
    expect(result).toEqual({ recorded: ids, lost: [] });
  });

  it("stores data as the exact JSON text it was given, astral characters included", async () => {
    const adapter = await harness.create();
    const dataJson = JSON.stringify({
      emoji: "🎉👩‍👩‍👧‍👦🏳️‍🌈",
      astral: "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 🀄",
      combining: "e\u0301 vs é",
      spaces: "  padded  ",
      numbers: [1e21, -0.5, 1234567890123456],
    });
    const [id] = await adapter.enqueue([newJob({ name: "名前🎉", dataJson })]);
    const raw = await sql<{ data: string }>(`SELECT data FROM ${tableOf(adapter)} WHERE id = ?`, [
      id,
    ]);
    expect(raw[0]!.data).toBe(dataJson);
  });

  it("rejects a withTransaction handle that is not a mysql2 connection", async () => {
    const adapter = await harness.create();
    expect(() => adapter.withTransaction({})).toThrow(/connection/);
  });
});
