import { randomUUID } from "node:crypto";
import { delay, expectDocketError } from "@docket/core/testing";
import { expect, it } from "vitest";
import { fileDelete, fileGet, fileList } from "../file-read.ts";
import { freshBucket } from "./storage-factory.ts";
import type { FileSuiteContext } from "./suite-context.ts";

/** Rows through the seam and the read/delete functions (docs/files.md, file store). */
export function fileRecordsSuite(context: FileSuiteContext): void {
  it("upsert inserts, then replaces name, type, length and meta, keeping createdAt", async () => {
    const adapter = await context.queue();
    const seam = adapter.files!;
    const id = randomUUID();
    const first = await seam.upsert({
      id,
      bucketName: "bucket-a",
      name: "a.txt",
      contentType: "text/plain",
      contentLength: 3,
      meta: { altText: "first", transforms: { k: id } },
    });
    expect(first).toMatchObject({ id, name: "a.txt", contentLength: 3, bucketName: "bucket-a" });
    expect(first.meta).toEqual({ altText: "first", transforms: { k: id } });
    expect(first.createdAt).toBeInstanceOf(Date);
    expect(first.createdAt.getTime()).toBe(first.updatedAt.getTime());
    await delay(15);
    const second = await seam.upsert({
      id,
      bucketName: "bucket-a",
      name: "b.bin",
      contentType: "application/octet-stream",
      contentLength: 5_000_000_000,
      meta: {},
    });
    expect(second).toMatchObject({ name: "b.bin", contentLength: 5_000_000_000, meta: {} });
    expect(second.createdAt.getTime()).toBe(first.createdAt.getTime());
    expect(second.updatedAt.getTime()).toBeGreaterThan(first.updatedAt.getTime());
    // Millisecond precision survives the round trip.
    const read = await fileGet(adapter, id);
    expect(read.updatedAt.getTime()).toBe(second.updatedAt.getTime());
  });

  it("fileGet, fileList by bucket (oldest first) and fileDelete", async () => {
    const adapter = await context.queue();
    const bucketName = await freshBucket(context.storage());
    const ids: string[] = [];
    for (const name of ["one", "two", "three"]) {
      const id = randomUUID();
      ids.push(id);
      await adapter.files!.upsert({
        id,
        bucketName,
        name,
        contentType: "text/plain",
        contentLength: 1,
        meta: {},
      });
      await delay(3);
    }
    await adapter.files!.upsert({
      id: randomUUID(),
      bucketName: "other-bucket",
      name: "x",
      contentType: "text/plain",
      contentLength: 1,
      meta: {},
    });
    const listed = await fileList(adapter, { bucketName });
    expect(listed.map((file) => file.id)).toEqual(ids);
    expect(await fileDelete(adapter, ids[1]!)).toBe(true);
    expect(await fileDelete(adapter, ids[1]!)).toBe(false);
    await expectDocketError(fileGet(adapter, ids[1]!), "file_not_found", "id");
    expect((await fileList(adapter, { bucketName })).length).toBe(2);
  });

  it("rejects bad ids and bucket names before touching the database", async () => {
    const adapter = await context.queue();
    await expectDocketError(fileGet(adapter, "not-a-uuid"), "invalid_argument", "id");
    await expectDocketError(fileGet(adapter, randomUUID().toUpperCase()), "invalid_argument", "id");
    await expectDocketError(fileDelete(adapter, ""), "invalid_argument", "id");
    await expectDocketError(
      fileList(adapter, { bucketName: "Bad_Bucket" }),
      "invalid_argument",
      "bucketName",
    );
  });

  it("mergeMeta overwrites or only fills missing keys; setTransform keeps other keys", async () => {
    const adapter = await context.queue();
    const seam = adapter.files!;
    const id = randomUUID();
    const other = randomUUID();
    await seam.upsert({
      id,
      bucketName: "bucket-a",
      name: "a",
      contentType: "image/png",
      contentLength: 1,
      meta: { altText: "kept", originalWidth: 5 },
    });
    expect(
      await seam.mergeMeta(id, { originalWidth: 7, originalHeight: 9 }, { overwrite: false }),
    ).toBe(true);
    expect((await seam.get(id))!.meta).toEqual({
      altText: "kept",
      originalWidth: 5,
      originalHeight: 9,
    });
    await seam.mergeMeta(id, { originalWidth: 7, placeholderImage: "data:x" }, { overwrite: true });
    expect(await seam.setTransform(id, "key-1", other)).toBe(true);
    expect(await seam.setTransform(id, 'key "2".$[0]', id)).toBe(true);
    expect((await seam.get(id))!.meta).toEqual({
      altText: "kept",
      originalWidth: 7,
      originalHeight: 9,
      placeholderImage: "data:x",
      transforms: { "key-1": other, 'key "2".$[0]': id },
    });
    expect(await seam.setTransform(randomUUID(), "k", id)).toBe(false);
    expect(await seam.mergeMeta(randomUUID(), { altText: "x" }, { overwrite: true })).toBe(false);
  });

  it("deleteOrphanTransforms removes transformed rows whose original is gone, in one bucket", async () => {
    const adapter = await context.queue();
    const seam = adapter.files!;
    const row = (id: string, bucketName: string, original?: string) =>
      seam.upsert({
        id,
        bucketName,
        name: id,
        contentType: "image/webp",
        contentLength: 1,
        meta: original === undefined ? {} : { transformedFromOriginal: original },
      });
    const kept = randomUUID();
    const keptChild = randomUUID();
    const orphan = randomUUID();
    const otherBucketOrphan = randomUUID();
    await row(kept, "bucket-a");
    await row(keptChild, "bucket-a", kept);
    await row(orphan, "bucket-a", randomUUID());
    await row(otherBucketOrphan, "bucket-b", randomUUID());
    expect(await seam.deleteOrphanTransforms("bucket-a")).toBe(1);
    expect(await seam.get(orphan)).toBeNull();
    expect(await seam.get(keptChild)).not.toBeNull();
    expect(await seam.get(otherBucketOrphan)).not.toBeNull();
    const ids = [kept, orphan, keptChild, randomUUID()];
    expect((await seam.existingIds(ids)).sort()).toEqual([kept, keptChild].sort());
    expect(await seam.existingIds([])).toEqual([]);
  });

  it("the seam writes on transaction-bound adapters: a rollback leaves no row", async () => {
    const adapter = await context.queue();
    const rolledBack = randomUUID();
    const committed = randomUUID();
    const row = (id: string) => ({
      id,
      bucketName: "bucket-a",
      name: id,
      contentType: "text/plain",
      contentLength: 1,
      meta: {},
    });
    await context.harness.inNativeTransaction(
      adapter,
      (bound) => bound.files!.upsert(row(rolledBack)),
      {
        rollback: true,
      },
    );
    await context.harness.inNativeTransaction(
      adapter,
      (bound) => bound.files!.upsert(row(committed)),
      {
        rollback: false,
      },
    );
    await expect(
      adapter.transaction(async (tx) => {
        await tx.adapter.files!.upsert(row(randomUUID()));
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await adapter.files!.get(rolledBack)).toBeNull();
    expect(await adapter.files!.get(committed)).not.toBeNull();
    expect((await adapter.files!.list("bucket-a")).length).toBe(1);
  });
}
