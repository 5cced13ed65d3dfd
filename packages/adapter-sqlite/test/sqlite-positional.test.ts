import { claimRequest, newJob as job } from "@docket/core/testing";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { PositionalStatement, toPositional } from "../src/sqlite-positional.ts";
import { queue } from "./sqlite-test-queue.ts";

/**
 * The per-job statements bind by position and read array rows (`sqlite-positional.ts`,
 * `JOB_ROW_COLUMNS`): a claimed record must be exactly the row as a plain read returns
 * it, column for column, and a missing parameter must still fail.
 */
describe("sqlite adapter: positional per-job statements", () => {
  it("returns a claimed job exactly as getJob reads its row", async () => {
    const q = await queue();
    const [id] = await q.adapter.enqueue([
      job({
        dataJson: '{"to":"a@example.com","n":[1,2]}',
        priority: 3,
        scheduledAt: new Date(Date.now() - 60_000),
        handlerTimeout: 1234,
      }),
    ]);
    // An expired first lease, so the second claim counts a lost attempt and sets last_error.
    await q.adapter.claim(claimRequest({ leaseMs: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { jobs } = await q.adapter.claim(claimRequest());
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.retryCount).toBe(1);
    expect(jobs[0]!.lastError).not.toBeNull();
    expect(jobs[0]).toEqual(await q.adapter.getJob(id!));
  });

  it("binds every @name in order, repeats included", () => {
    expect(toPositional("SELECT @a + @b, @a WHERE x = @c_1")).toEqual({
      text: "SELECT ? + ?, ? WHERE x = ?",
      names: ["a", "b", "a", "c_1"],
    });
    const db = new Database(":memory:");
    const { text, names } = toPositional("SELECT @a - @b AS d, @a AS a");
    const statement = new PositionalStatement(db.prepare(text), names);
    expect(statement.all({ a: 5, b: 2 })).toEqual([{ d: 3, a: 5 }]);
    db.close();
  });

  it("refuses a missing parameter, as named binding does", () => {
    const db = new Database(":memory:");
    const { text, names } = toPositional("SELECT @a AS a, @b AS b");
    const statement = new PositionalStatement(db.prepare(text), names);
    expect(() => statement.all({ a: 1 })).toThrow(/Missing named parameter "b"/);
    expect(statement.all({ a: 1, b: null })).toEqual([{ a: 1, b: null }]);
    // As a named parameter does: a property holding undefined binds NULL.
    expect(statement.all({ a: 1, b: undefined })).toEqual([{ a: 1, b: null }]);
    db.close();
  });
});
