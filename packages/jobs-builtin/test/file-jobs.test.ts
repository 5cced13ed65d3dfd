import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import {
  type AddJobInput,
  type JobRecord,
  queueWorkerAddJob,
  queueWorkerCreate,
  queueWorkerGetJob,
  type StorageAdapter,
} from "@docket/core";
import { FILE_TRANSFORM_JOB_NAME } from "@docket/core/adapter";
import { expectDocketError, memoryLogger, waitFor } from "@docket/core/testing";
import {
  createLocalDirectoryStorage,
  fileCreateOrUpdate,
  fileGeneratePlaceholderImage,
  fileGet,
  type ObjectStorage,
  PLACEHOLDER_JOB_NAME,
  transformKeyOf,
} from "@docket/files";
import { createS3Storage } from "@docket/files/s3";
import { freshBucket, testImages } from "@docket/files/testing";
import { startS3TestServer } from "@docket/files/testing/s3";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  jobFileCleanup,
  jobFileGeneratePlaceholderImage,
  jobFileTransformImage,
} from "../src/index.ts";

const HOUR = 3_600_000;
const directory = mkdtempSync(join(tmpdir(), "docket-file-jobs-"));
let adapter: StorageAdapter;
let storage: ObjectStorage;

beforeAll(async () => {
  adapter = createSqliteAdapter({ filename: join(directory, "queue.db") });
  await adapter.migrate();
  storage = createLocalDirectoryStorage({ directory: join(directory, "objects") });
});

afterAll(async () => {
  await adapter.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Adds the jobs, runs a real worker until all of them finished, returns their records. */
async function runInWorker(
  handler: Record<string, ReturnType<typeof jobFileCleanup>>,
  jobs: AddJobInput[],
  options: { maxRetryCount?: number; parallelCount?: number } = {},
): Promise<JobRecord[]> {
  const ids: number[] = [];
  for (const job of jobs) ids.push(await queueWorkerAddJob(adapter, job));
  const worker = queueWorkerCreate(adapter, {
    handler,
    pollInterval: 20,
    logger: memoryLogger(),
    ...options,
  });
  worker.start();
  try {
    await waitFor(
      async () => {
        for (const id of ids) if (!(await queueWorkerGetJob(adapter, id))!.isComplete) return false;
        return true;
      },
      { what: "file jobs", timeoutMs: 30_000 },
    );
  } finally {
    await worker.stop();
  }
  return Promise.all(ids.map(async (id) => (await queueWorkerGetJob(adapter, id))!));
}

const placeholderHandler = () => ({
  [PLACEHOLDER_JOB_NAME]: jobFileGeneratePlaceholderImage(storage),
});
const transformHandler = () => ({ [FILE_TRANSFORM_JOB_NAME]: jobFileTransformImage(storage) });

describe("jobFileGeneratePlaceholderImage in a worker", () => {
  it("sets a small JPEG data URL and rotated dimensions, keeping other meta keys", async () => {
    const bucketName = await freshBucket(storage);
    const images = await testImages();
    const settings = { bucketName, schedulePlaceholderImageJob: true };
    const png = await fileCreateOrUpdate(
      adapter,
      storage,
      settings,
      { name: "a.png", meta: { altText: "kept" } },
      images.png,
    );
    const jpeg = await fileCreateOrUpdate(
      adapter,
      storage,
      settings,
      { name: "r.jpg" },
      images.jpegRotated,
    );
    const svg = await fileCreateOrUpdate(
      adapter,
      storage,
      settings,
      { name: "s.svg" },
      images.svgBare,
    );
    const gif = await fileCreateOrUpdate(
      adapter,
      storage,
      settings,
      { name: "g.gif" },
      images.animatedGif,
    );
    const text = await fileCreateOrUpdate(
      adapter,
      storage,
      { bucketName },
      { name: "t.txt" },
      Buffer.from("hi"),
    );
    const records = await runInWorker(placeholderHandler(), [
      // The uploads enqueued theirs; these three must complete and change nothing.
      { name: PLACEHOLDER_JOB_NAME, data: { fileId: text.id } },
      { name: PLACEHOLDER_JOB_NAME, data: { fileId: randomUUID() } },
      { name: PLACEHOLDER_JOB_NAME, data: { fileId: "not-an-id" } },
    ]);
    for (const record of records) expect(record.failedAt).toBeNull();
    await waitFor(
      async () => (await fileGet(adapter, svg.id)).meta.placeholderImage !== undefined,
      {
        what: "the uploads' placeholder jobs",
      },
    );
    await runInWorker(placeholderHandler(), []);

    const pngMeta = (await fileGet(adapter, png.id)).meta;
    expect(pngMeta).toMatchObject({ altText: "kept", originalWidth: 64, originalHeight: 32 });
    expect(pngMeta.placeholderImage).toMatch(/^data:image\/jpeg;base64,[A-Za-z0-9+/=]+$/);
    expect(pngMeta.placeholderImage!.length).toBeLessThan(500);
    const decoded = Buffer.from(pngMeta.placeholderImage!.split(",")[1]!, "base64");
    expect(await sharp(decoded).metadata()).toMatchObject({ format: "jpeg", width: 10, height: 5 });

    const jpegMeta = (await fileGet(adapter, jpeg.id)).meta;
    expect(jpegMeta).toMatchObject({ originalWidth: 20, originalHeight: 40 });
    const rotated = Buffer.from(jpegMeta.placeholderImage!.split(",")[1]!, "base64");
    expect(await sharp(rotated).metadata()).toMatchObject({ width: 10, height: 20 });

    expect((await fileGet(adapter, svg.id)).meta).toMatchObject({
      originalWidth: 30,
      originalHeight: 20,
    });
    expect((await fileGet(adapter, gif.id)).meta).toEqual({});
    expect((await fileGet(adapter, text.id)).meta).toEqual({});
    expect((await sharp(images.animatedGif).metadata()).pages).toBe(2);
  });

  it("fails with a typed error when sharp cannot be loaded", async () => {
    const bucketName = await freshBucket(storage);
    const file = await fileCreateOrUpdate(
      adapter,
      storage,
      { bucketName },
      { name: "a.png" },
      (await testImages()).png,
    );
    const [record] = await runInWorker(
      {
        [PLACEHOLDER_JOB_NAME]: jobFileGeneratePlaceholderImage(storage, {
          loadSharp: () => Promise.reject(new Error("Cannot find package 'sharp'")),
        }),
      },
      [{ name: PLACEHOLDER_JOB_NAME, data: { fileId: file.id } }],
      { maxRetryCount: 1 },
    );
    expect(record!.failedAt).not.toBeNull();
    expect(record!.lastError).toContain("optional peer dependency 'sharp'");
    expect((await fileGet(adapter, file.id)).meta).toEqual({});
    // The error itself is typed.
    await expectDocketError(
      fileGeneratePlaceholderImage(adapter, storage, file.id, () =>
        Promise.reject(new Error("Cannot find package 'sharp'")),
      ),
      "dependency_missing",
      "sharp",
    );
  });
});

describe("jobFileTransformImage in a worker", () => {
  const job = (
    fileId: string,
    format: "webp" | "avif" | "none",
    w: number,
    q: number,
    contentType: string,
  ) => ({
    name: FILE_TRANSFORM_JOB_NAME,
    data: { fileId, transformKey: transformKeyOf(format, w, q), options: { w, q, contentType } },
  });

  it("stores resized variants (never upscaled, auto-rotated) and points the original at them", async () => {
    const bucketName = await freshBucket(storage);
    const images = await testImages();
    const png = await fileCreateOrUpdate(
      adapter,
      storage,
      { bucketName },
      { name: "a.png", meta: { altText: "a" } },
      images.png,
    );
    const jpeg = await fileCreateOrUpdate(
      adapter,
      storage,
      { bucketName },
      { name: "r.jpg" },
      images.jpegRotated,
    );
    const records = await runInWorker(
      transformHandler(),
      [
        job(png.id, "webp", 20, 60, "image/webp"),
        job(png.id, "avif", 1000, 50, "image/avif"),
        job(png.id, "none", 32, 80, "image/png"),
        job(jpeg.id, "webp", 10, 75, "image/webp"),
      ],
      { parallelCount: 4 },
    );
    for (const record of records) expect(record.failedAt).toBeNull();

    const original = await fileGet(adapter, png.id);
    expect(original.meta).toMatchObject({ altText: "a", originalWidth: 64, originalHeight: 32 });
    const transforms = original.meta.transforms!;
    expect(Object.keys(transforms).sort()).toEqual([
      "compas-image-transform-avif-w1000-q50",
      "compas-image-transform-none-w32-q80",
      "compas-image-transform-webp-w20-q60",
    ]);
    const check = async (
      key: string,
      contentType: string,
      format: string,
      width: number,
      height: number,
    ) => {
      const variant = await fileGet(adapter, transforms[key]!);
      expect(variant).toMatchObject({ bucketName, name: key, contentType });
      expect(variant.meta).toEqual({ transformedFromOriginal: png.id });
      const bytes = await storage.getBuffer(bucketName, variant.id);
      expect(bytes.length).toBe(variant.contentLength);
      expect(await sharp(bytes).metadata()).toMatchObject({ format, width, height });
    };
    await check("compas-image-transform-webp-w20-q60", "image/webp", "webp", 20, 10);
    await check("compas-image-transform-avif-w1000-q50", "image/avif", "heif", 64, 32);
    await check("compas-image-transform-none-w32-q80", "image/png", "png", 32, 16);

    const rotated = await fileGet(adapter, jpeg.id);
    expect(rotated.meta).toMatchObject({ originalWidth: 20, originalHeight: 40 });
    const variant = await fileGet(
      adapter,
      rotated.meta.transforms!["compas-image-transform-webp-w10-q75"]!,
    );
    expect(await sharp(await storage.getBuffer(bucketName, variant.id)).metadata()).toMatchObject({
      width: 10,
      height: 20,
    });
  });

  it("maps SVG, empty and animated files to themselves; skips set keys and missing files", async () => {
    const bucketName = await freshBucket(storage);
    const images = await testImages();
    const svg = await fileCreateOrUpdate(
      adapter,
      storage,
      { bucketName },
      { name: "s.svg" },
      images.svg,
    );
    const gif = await fileCreateOrUpdate(
      adapter,
      storage,
      { bucketName },
      { name: "g.gif" },
      images.animatedGif,
    );
    const empty = await fileCreateOrUpdate(
      adapter,
      storage,
      { bucketName },
      { name: "e.png", contentType: "image/png" },
      Buffer.alloc(0),
    );
    const png = await fileCreateOrUpdate(
      adapter,
      storage,
      { bucketName },
      { name: "p.png" },
      images.png,
    );
    const records = await runInWorker(transformHandler(), [
      job(svg.id, "webp", 20, 75, "image/webp"),
      job(gif.id, "webp", 20, 75, "image/webp"),
      job(empty.id, "webp", 20, 75, "image/webp"),
      job(png.id, "webp", 20, 75, "image/webp"),
      job(randomUUID(), "webp", 20, 75, "image/webp"),
      {
        name: FILE_TRANSFORM_JOB_NAME,
        data: { fileId: png.id, transformKey: "k", options: { w: 0 } },
      },
    ]);
    for (const record of records) expect(record.failedAt).toBeNull();
    const key = transformKeyOf("webp", 20, 75);
    for (const file of [svg, gif, empty]) {
      expect((await fileGet(adapter, file.id)).meta.transforms).toEqual({ [key]: file.id });
    }
    const first = (await fileGet(adapter, png.id)).meta.transforms![key]!;
    // The same key again: not transformed a second time.
    await runInWorker(transformHandler(), [job(png.id, "webp", 20, 75, "image/webp")]);
    expect((await fileGet(adapter, png.id)).meta.transforms).toEqual({ [key]: first });
    expect((await storage.list(bucketName, { limit: 100 })).objects.length).toBe(5);
  });
});

describe("jobFileCleanup in a worker", () => {
  const CLEANUP = "compas.file.cleanup";

  it("deletes orphans past 1,000 objects, keeps young objects, rows and other buckets (local directory)", async () => {
    const bucketName = await freshBucket(storage);
    const otherBucket = await freshBucket(storage);
    const root = join(directory, "objects", bucketName);
    const old = new Date(Date.now() - 2 * HOUR);
    const age = (key: string) => utimes(join(root, key), old, old);

    const orphanKeys: string[] = [];
    for (let index = 0; index < 1_005; index++) {
      const key = randomUUID();
      orphanKeys.push(key);
      await storage.put(bucketName, key, Buffer.from("x"), {
        contentType: "text/plain",
        contentLength: 1,
      });
      await age(key);
    }
    // A non-UUID object without a row is an orphan too.
    await storage.put(bucketName, "stray-object.txt", Buffer.from("x"), {
      contentType: "text/plain",
      contentLength: 1,
    });
    await age("stray-object.txt");
    const young = randomUUID();
    await storage.put(bucketName, young, Buffer.from("young"), {
      contentType: "text/plain",
      contentLength: 5,
    });
    const kept = await fileCreateOrUpdate(
      adapter,
      storage,
      { bucketName },
      { name: "k.txt" },
      Buffer.from("k"),
    );
    await age(kept.id);
    const orphanTransform = await fileCreateOrUpdate(
      adapter,
      storage,
      { bucketName },
      { name: "v", meta: { transformedFromOriginal: randomUUID() } },
      Buffer.from("v"),
    );
    await age(orphanTransform.id);
    const rowWithoutObject = randomUUID();
    await adapter.files!.upsert({
      id: rowWithoutObject,
      bucketName,
      name: "gone",
      contentType: "text/plain",
      contentLength: 1,
      meta: {},
    });
    const elsewhere = randomUUID();
    await storage.put(otherBucket, elsewhere, Buffer.from("x"), {
      contentType: "text/plain",
      contentLength: 1,
    });
    await utimes(join(directory, "objects", otherBucket, elsewhere), old, old);

    const [record] = await runInWorker(
      { [CLEANUP]: jobFileCleanup(storage, bucketName, { batchSize: 400 }) },
      [{ name: CLEANUP }],
    );
    expect(record!.failedAt).toBeNull();
    const left = (await storage.list(bucketName, { limit: 1000 })).objects
      .map((object) => object.key)
      .sort();
    expect(left).toEqual([kept.id, young].sort());
    expect(await adapter.files!.get(orphanTransform.id)).toBeNull();
    expect(await adapter.files!.get(rowWithoutObject)).not.toBeNull();
    expect(await adapter.files!.get(kept.id)).not.toBeNull();
    expect(await storage.stat(otherBucket, elsewhere)).not.toBeNull();
  });

  it("pages through an S3 bucket in small batches", async () => {
    const server = await startS3TestServer();
    try {
      const s3 = createS3Storage({ client: server.client });
      const bucketName = await freshBucket(s3);
      const otherBucket = await freshBucket(s3);
      const orphans: string[] = [];
      for (let index = 0; index < 12; index++) {
        const key = randomUUID();
        orphans.push(key);
        await s3.put(bucketName, key, Buffer.from("x"), {
          contentType: "text/plain",
          contentLength: 1,
        });
      }
      const kept = await fileCreateOrUpdate(
        adapter,
        s3,
        { bucketName },
        { name: "k" },
        Buffer.from("k"),
      );
      await s3.put(otherBucket, orphans[0]!, Buffer.from("x"), {
        contentType: "text/plain",
        contentLength: 1,
      });
      // With the default grace period, these fresh objects all survive.
      await runInWorker({ [CLEANUP]: jobFileCleanup(s3, bucketName, { batchSize: 5 }) }, [
        { name: CLEANUP },
      ]);
      expect((await s3.list(bucketName, { limit: 100 })).objects.length).toBe(13);
      const [record] = await runInWorker(
        { [CLEANUP]: jobFileCleanup(s3, bucketName, { batchSize: 5, gracePeriodMs: 0 }) },
        [{ name: CLEANUP }],
      );
      expect(record!.failedAt).toBeNull();
      expect(
        (await s3.list(bucketName, { limit: 100 })).objects.map((object) => object.key),
      ).toEqual([kept.id]);
      expect(await s3.stat(otherBucket, orphans[0]!)).not.toBeNull();
    } finally {
      await server.close();
    }
  });

  it("validates its options when created", () => {
    expect(() => jobFileCleanup(storage, "Bad Bucket")).toThrow(
      expect.objectContaining({ code: "invalid_argument", field: "bucketName" }),
    );
    expect(() => jobFileCleanup(storage, "good-bucket", { batchSize: 5000 })).toThrow(/batchSize/);
    expect(() => jobFileCleanup(storage, "good-bucket", { gracePeriodMs: -1 })).toThrow(
      /gracePeriodMs/,
    );
    expect(() => jobFileTransformImage({} as ObjectStorage)).toThrow(/storage/);
  });
});
