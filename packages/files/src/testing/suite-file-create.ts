import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { queueWorkerListJobs } from "@docket/core";
import { delay, expectDocketError } from "@docket/core/testing";
import { expect, it } from "vitest";
import { fileCreateOrUpdate, PLACEHOLDER_JOB_NAME } from "../file-create.ts";
import { fileList } from "../file-read.ts";
import { freshBucket } from "./storage-factory.ts";
import type { FileSuiteContext } from "./suite-context.ts";
import { testImages } from "./test-images.ts";

/** `fileCreateOrUpdate` (docs/files.md): sources, sniffing, upserts, bad input. */
export function fileCreateSuite(context: FileSuiteContext): void {
  it("uploads a Buffer, a path and a stream, sniffing their types", async () => {
    const adapter = await context.queue();
    const storage = context.storage();
    const bucketName = await freshBucket(storage);
    const images = await testImages();
    const directory = await mkdtemp(join(tmpdir(), "docket-src-"));
    try {
      const path = join(directory, "photo.bin");
      await writeFile(path, images.jpegRotated);
      const fromBuffer = await fileCreateOrUpdate(
        adapter,
        storage,
        { bucketName },
        { name: "a.png" },
        images.png,
      );
      const fromPath = await fileCreateOrUpdate(
        adapter,
        storage,
        { bucketName },
        { name: "b" },
        path,
      );
      // A stream whose bytes arrive in small chunks is still uploaded whole.
      const chunks = [];
      for (let at = 0; at < images.png.length; at += 7)
        chunks.push(images.png.subarray(at, at + 7));
      const fromStream = await fileCreateOrUpdate(
        adapter,
        storage,
        { bucketName },
        { name: "c" },
        Readable.from(chunks),
      );
      expect(fromBuffer).toMatchObject({
        contentType: "image/png",
        contentLength: images.png.length,
      });
      expect(fromPath).toMatchObject({
        contentType: "image/jpeg",
        contentLength: images.jpegRotated.length,
      });
      expect(fromStream).toMatchObject({
        contentType: "image/png",
        contentLength: images.png.length,
      });
      expect(fromBuffer.id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(await storage.getBuffer(bucketName, fromStream.id)).toEqual(images.png);
      expect(await storage.getBuffer(bucketName, fromPath.id)).toEqual(images.jpegRotated);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("recognises SVG from text, falls back to the name, then to application/octet-stream", async () => {
    const adapter = await context.queue();
    const storage = context.storage();
    const bucketName = await freshBucket(storage);
    const images = await testImages();
    const create = (name: string, source: Buffer, contentType?: string) =>
      fileCreateOrUpdate(
        adapter,
        storage,
        { bucketName },
        contentType === undefined ? { name } : { name, contentType },
        source,
      );
    expect((await create("x", images.svg)).contentType).toBe("image/svg+xml");
    expect((await create("y", images.svgBare)).contentType).toBe("image/svg+xml");
    expect((await create("notes.txt", Buffer.from("hello"))).contentType).toBe("text/plain");
    expect((await create("blob", Buffer.from([1, 2, 3, 250]))).contentType).toBe(
      "application/octet-stream",
    );
    expect((await create("empty", Buffer.alloc(0))).contentLength).toBe(0);
    // Without an allow-list, a given type is kept as given.
    expect((await create("given", images.png, "application/x-custom")).contentType).toBe(
      "application/x-custom",
    );
  });

  it("with an allow-list the sniffed type wins, and a type outside it uploads nothing", async () => {
    const adapter = await context.queue();
    const storage = context.storage();
    const bucketName = await freshBucket(storage);
    const images = await testImages();
    const settings = { bucketName, allowedContentTypes: ["image/png", "image/jpeg"] };
    const file = await fileCreateOrUpdate(
      adapter,
      storage,
      settings,
      { name: "lie.gif", contentType: "image/gif" },
      images.png,
    );
    expect(file.contentType).toBe("image/png");
    const error = await expectDocketError(
      fileCreateOrUpdate(adapter, storage, settings, { name: "a.svg" }, images.svg),
      "file_content_type_not_allowed",
      "contentType",
    );
    expect(error.message).toContain("image/svg+xml");
    expect(error.message).toContain("image/png, image/jpeg");
    expect((await fileList(adapter, { bucketName })).length).toBe(1);
    expect((await storage.list(bucketName, { limit: 10 })).objects.length).toBe(1);
  });

  it("an existing id replaces name, type, length and meta and keeps createdAt", async () => {
    const adapter = await context.queue();
    const storage = context.storage();
    const bucketName = await freshBucket(storage);
    const images = await testImages();
    const first = await fileCreateOrUpdate(
      adapter,
      storage,
      { bucketName },
      { name: "a.png", meta: { altText: "old" } },
      images.png,
    );
    await delay(15);
    const second = await fileCreateOrUpdate(
      adapter,
      storage,
      { bucketName },
      { id: first.id, name: "b.svg", meta: { altText: "new" } },
      images.svg,
    );
    expect(second).toMatchObject({
      id: first.id,
      name: "b.svg",
      contentType: "image/svg+xml",
      contentLength: images.svg.length,
      meta: { altText: "new" },
    });
    expect(second.createdAt.getTime()).toBe(first.createdAt.getTime());
    expect(second.updatedAt.getTime()).toBeGreaterThan(first.updatedAt.getTime());
    expect(await storage.getBuffer(bucketName, first.id)).toEqual(images.svg);
  });

  it("enqueues the placeholder job with the row for images only", async () => {
    const adapter = await context.queue();
    const storage = context.storage();
    const bucketName = await freshBucket(storage);
    const images = await testImages();
    const settings = { bucketName, schedulePlaceholderImageJob: true };
    const image = await fileCreateOrUpdate(adapter, storage, settings, { name: "a" }, images.png);
    await fileCreateOrUpdate(adapter, storage, settings, { name: "t.txt" }, Buffer.from("text"));
    const jobs = await queueWorkerListJobs(adapter, { name: PLACEHOLDER_JOB_NAME });
    expect(jobs.map((job) => job.data)).toEqual([{ fileId: image.id }]);
  });

  it("rejects bad input with typed errors before uploading or writing anything", async () => {
    const adapter = await context.queue();
    const storage = context.storage();
    const bucketName = await freshBucket(storage);
    const images = await testImages();
    const ok = { bucketName };
    const cases: [() => Promise<unknown>, string, string][] = [
      [
        () => fileCreateOrUpdate(adapter, storage, ok, { name: "" }, images.png),
        "invalid_argument",
        "name",
      ],
      [
        () => fileCreateOrUpdate(adapter, storage, ok, {} as { name: string }, images.png),
        "invalid_argument",
        "name",
      ],
      [
        () =>
          fileCreateOrUpdate(adapter, storage, ok, { name: "a" }, undefined as unknown as Buffer),
        "invalid_argument",
        "source",
      ],
      [
        () => fileCreateOrUpdate(adapter, storage, ok, { name: "a" }, "/no/such/file/anywhere"),
        "invalid_argument",
        "source",
      ],
      [
        () =>
          fileCreateOrUpdate(
            adapter,
            storage,
            ok,
            { name: "a", meta: { colour: "red" } },
            images.png,
          ),
        "invalid_argument",
        "meta.colour",
      ],
      [
        () => fileCreateOrUpdate(adapter, storage, ok, { name: "a", id: "123" }, images.png),
        "invalid_argument",
        "id",
      ],
      [
        () =>
          fileCreateOrUpdate(
            adapter,
            storage,
            { bucketName: "No_Such/Bucket" },
            { name: "a" },
            images.png,
          ),
        "invalid_argument",
        "bucketName",
      ],
      [
        () =>
          fileCreateOrUpdate(
            adapter,
            storage,
            { bucketName: "../escape" },
            { name: "a" },
            images.png,
          ),
        "invalid_argument",
        "bucketName",
      ],
    ];
    for (const [promise, code, field] of cases) await expectDocketError(promise, code, field);
    expect(await fileList(adapter, { bucketName })).toEqual([]);
    expect((await storage.list(bucketName, { limit: 10 })).objects).toEqual([]);
    expect(await queueWorkerListJobs(adapter, {})).toEqual([]);
  });

  it("ids are lowercase v4 UUIDs and unknown ids are replaced nowhere", async () => {
    const adapter = await context.queue();
    const storage = context.storage();
    const bucketName = await freshBucket(storage);
    const id = randomUUID();
    const file = await fileCreateOrUpdate(
      adapter,
      storage,
      { bucketName },
      { name: "a", id },
      Buffer.from("x"),
    );
    expect(file.id).toBe(id);
    expect((await fileList(adapter, { bucketName })).map((row) => row.id)).toEqual([id]);
  });
}
