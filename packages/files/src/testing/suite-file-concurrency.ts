import { randomUUID } from "node:crypto";
import { queueWorkerListJobs } from "@docket/core";
import { FILE_TRANSFORM_JOB_NAME } from "@docket/core/adapter";
import { expect, it } from "vitest";
import { enqueueTransformOnce } from "../send-transformed-image.ts";
import type { FileSuiteContext } from "./suite-context.ts";

/** Concurrent writers on one row (docs/files.md): no lost `meta` keys, one transform job. */
export function fileConcurrencySuite(context: FileSuiteContext): void {
  it("two writers setting different transform keys at once never lose one", async () => {
    const adapter = await context.queue();
    const second = await context.harness.reopen(adapter);
    const rounds = 15;
    const ids: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const id = randomUUID();
      ids.push(id);
      await adapter.files!.upsert({
        id,
        bucketName: "bucket-a",
        name: "a",
        contentType: "image/png",
        contentLength: 1,
        meta: round % 2 === 0 ? {} : { altText: "x" },
      });
    }
    const a = randomUUID();
    const b = randomUUID();
    await Promise.all(
      ids.flatMap((id) => [
        adapter.files!.setTransform(id, "left", a),
        second.files!.setTransform(id, "right", b),
        second.files!.mergeMeta(id, { originalWidth: 3 }, { overwrite: false }),
      ]),
    );
    for (const id of ids) {
      const row = await adapter.files!.get(id);
      expect(row!.meta.transforms).toEqual({ left: a, right: b });
      expect(row!.meta.originalWidth).toBe(3);
    }
  });

  // One adapter: its pool runs the two transactions on two connections at once (Postgres,
  // MySQL); SQLite's adapter runs them one after the other, as its one write lock would.
  // (A second SQLite connection in the same process would block the event loop in
  // better-sqlite3's synchronous busy wait while the first transaction awaits.)
  it("two writers inside open transactions on one row: both keys survive", async () => {
    const adapter = await context.queue();
    const second = adapter;
    const id = randomUUID();
    await adapter.files!.upsert({
      id,
      bucketName: "bucket-a",
      name: "a",
      contentType: "image/png",
      contentLength: 1,
      meta: { transforms: {} },
    });
    const a = randomUUID();
    const b = randomUUID();
    await Promise.all([
      adapter.transaction(async (tx) => {
        await tx.adapter.files!.setTransform(id, "k1", a);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }),
      second.transaction(async (tx) => {
        await tx.adapter.files!.setTransform(id, "k2", b);
      }),
    ]);
    expect((await adapter.files!.get(id))!.meta.transforms).toEqual({ k1: a, k2: b });
  });

  it("concurrent requests for one file and key enqueue one transform job", async () => {
    const adapter = await context.queue();
    const second = adapter;
    const id = randomUUID();
    await adapter.files!.upsert({
      id,
      bucketName: "bucket-a",
      name: "a",
      contentType: "image/png",
      contentLength: 1,
      meta: {},
    });
    const data = (transformKey: string) => ({
      fileId: id,
      transformKey,
      options: { w: 10, q: 75, contentType: "image/webp" },
    });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        enqueueTransformOnce(index % 2 === 0 ? adapter : second, data("key-a")),
      ),
    );
    expect(results.filter(Boolean).length).toBe(1);
    // Another key is another job; a missing file none.
    expect(await enqueueTransformOnce(adapter, data("key-b"))).toBe(true);
    expect(await enqueueTransformOnce(adapter, { ...data("key-a"), fileId: randomUUID() })).toBe(
      false,
    );
    const jobs = await queueWorkerListJobs(adapter, { name: FILE_TRANSFORM_JOB_NAME });
    expect(jobs.map((job) => (job.data as { transformKey: string }).transformKey).sort()).toEqual([
      "key-a",
      "key-b",
    ]);
    expect(await adapter.files!.hasPendingTransformJob(id, "key-a")).toBe(true);
    expect(await adapter.files!.hasPendingTransformJob(id, "key-c")).toBe(false);
  });
}
