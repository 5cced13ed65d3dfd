import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteAdapter } from "@docket/adapter-sqlite";
import { queueWorkerListJobs, type StorageAdapter } from "@docket/core";
import { FILE_TRANSFORM_JOB_NAME, type FileRow } from "@docket/core/adapter";
import { uniqueTableName } from "@docket/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileCreateOrUpdate } from "../src/file-create.ts";
import type { ObjectStorage } from "../src/object-storage.ts";
import {
  freshBucket,
  localDirectoryStorageFactory,
  type StorageFactory,
  testImages,
} from "../src/testing/index.ts";
import { s3StorageFactory } from "../src/testing/s3.ts";
import { startFileServer } from "./http-server.ts";

for (const factory of [localDirectoryStorageFactory, s3StorageFactory] as StorageFactory[]) {
  describe(`sending files over node:http (${factory.label})`, () => {
    const directory = mkdtempSync(join(tmpdir(), "docket-send-"));
    let adapter: StorageAdapter;
    let storage: ObjectStorage;
    let teardownStorage: () => Promise<void>;
    let server: { url: string; close(): Promise<void> };
    let bucketName: string;
    let text: FileRow;
    let png: FileRow;
    let empty: FileRow;
    const body = Buffer.from("0123456789abcdefghij"); // 20 bytes

    beforeAll(async () => {
      adapter = createSqliteAdapter({
        filename: join(directory, "q.db"),
        tableName: uniqueTableName(),
      });
      await adapter.migrate();
      ({ storage, teardown: teardownStorage } = await factory.create());
      bucketName = await freshBucket(storage);
      server = await startFileServer(adapter, storage);
      text = await fileCreateOrUpdate(adapter, storage, { bucketName }, { name: "a.txt" }, body);
      png = await fileCreateOrUpdate(
        adapter,
        storage,
        { bucketName },
        { name: "p.png" },
        (await testImages()).png,
      );
      empty = await fileCreateOrUpdate(
        adapter,
        storage,
        { bucketName },
        { name: "e.txt" },
        Buffer.alloc(0),
      );
    });
    afterAll(async () => {
      await server.close();
      await adapter.close();
      await teardownStorage();
      rmSync(directory, { recursive: true, force: true });
    });

    const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
      fetch(`${server.url}/${path}`, { headers, method });

    it("sends the whole file with its headers", async () => {
      const response = await get(text.id);
      expect(response.status).toBe(200);
      expect(response.headers.get("accept-ranges")).toBe("bytes");
      expect(response.headers.get("content-type")).toBe("text/plain");
      expect(response.headers.get("content-length")).toBe("20");
      expect(response.headers.get("cache-control")).toBe("max-age=120, must-revalidate");
      const lastModified = response.headers.get("last-modified")!;
      expect(lastModified).toBe(
        new Date(Math.floor(text.updatedAt.getTime() / 1000) * 1000).toUTCString(),
      );
      expect(Buffer.from(await response.arrayBuffer())).toEqual(body);
      const custom = await get(`${text.id}?cache=${encodeURIComponent("private, max-age=5")}`);
      expect(custom.headers.get("cache-control")).toBe("private, max-age=5");
      await custom.arrayBuffer();
      const head = await get(text.id, {}, "HEAD");
      expect(head.status).toBe(200);
      expect(head.headers.get("content-length")).toBe("20");
      expect((await head.arrayBuffer()).byteLength).toBe(0);
      expect((await get(randomUUID())).status).toBe(404);
    });

    it("answers byte ranges a-b, a- and -n with 206 and Content-Range", async () => {
      const cases: [string, string, string][] = [
        ["bytes=0-3", "bytes 0-3/20", "0123"],
        ["bytes=5-5", "bytes 5-5/20", "5"],
        ["bytes=15-", "bytes 15-19/20", "fghij"],
        ["bytes=-4", "bytes 16-19/20", "ghij"],
        ["bytes=-50", "bytes 0-19/20", body.toString()],
        ["bytes=10-999", "bytes 10-19/20", "abcdefghij"],
      ];
      for (const [range, contentRange, expected] of cases) {
        const response = await get(text.id, { range });
        expect(response.status, range).toBe(206);
        expect(response.headers.get("content-range"), range).toBe(contentRange);
        expect(response.headers.get("content-length"), range).toBe(String(expected.length));
        expect(await response.text(), range).toBe(expected);
      }
    });

    it("answers an unsatisfiable range with 416, bytes */len and no body; ignores malformed ones", async () => {
      for (const range of ["bytes=20-", "bytes=25-30", "bytes=-0"]) {
        const response = await get(text.id, { range });
        expect(response.status, range).toBe(416);
        expect(response.headers.get("content-range"), range).toBe("bytes */20");
        expect(await response.text(), range).toBe("");
      }
      const onEmpty = await get(empty.id, { range: "bytes=0-" });
      expect(onEmpty.status).toBe(416);
      expect(onEmpty.headers.get("content-range")).toBe("bytes */0");
      await onEmpty.arrayBuffer();
      for (const range of ["bytes=5-2", "items=0-3", "bytes=0-1,4-5", "nonsense"]) {
        const response = await get(text.id, { range });
        expect(response.status, range).toBe(200);
        expect(await response.text(), range).toBe(body.toString());
      }
    });

    it("answers 304 when the file is not newer than If-Modified-Since", async () => {
      const first = await get(text.id);
      const lastModified = first.headers.get("last-modified")!;
      await first.arrayBuffer();
      const same = await get(text.id, { "if-modified-since": lastModified });
      expect(same.status).toBe(304);
      expect(same.headers.get("last-modified")).toBe(lastModified);
      expect(await same.text()).toBe("");
      const later = await get(text.id, {
        "if-modified-since": new Date(Date.parse(lastModified) + 60_000).toUTCString(),
      });
      expect(later.status).toBe(304);
      await later.arrayBuffer();
      const older = await get(text.id, {
        "if-modified-since": new Date(Date.parse(lastModified) - 1000).toUTCString(),
      });
      expect(older.status).toBe(200);
      expect(await older.text()).toBe(body.toString());
      const garbage = await get(text.id, { "if-modified-since": "yesterday-ish" });
      expect(garbage.status).toBe(200);
      await garbage.arrayBuffer();
    });

    it("transformed images: Vary: Accept, the original for w=original, bad w/q rejected", async () => {
      const original = await get(`${png.id}?w=original`, { accept: "image/webp" });
      expect(original.status).toBe(200);
      expect(original.headers.get("vary")).toBe("Accept");
      expect(original.headers.get("content-type")).toBe("image/png");
      expect(Buffer.from(await original.arrayBuffer())).toEqual((await testImages()).png);
      for (const query of [
        "w=0",
        "w=100000",
        "w=1.5",
        "w=abc",
        "w=64&q=0",
        "w=64&q=101",
        "w=64&q=7.5",
        "w=30",
      ]) {
        const response = await get(`${png.id}?${query}`);
        expect(response.status, query).toBe(400);
        expect(response.headers.get("x-error-code"), query).toBe("invalid_argument");
        expect(["w", "q"], query).toContain(response.headers.get("x-error-field"));
        await response.arrayBuffer();
      }
      expect(await queueWorkerListJobs(adapter, { name: FILE_TRANSFORM_JOB_NAME })).toEqual([]);
    });

    it("an unknown key sends the original and enqueues one job per key, by Accept", async () => {
      const file = await fileCreateOrUpdate(
        adapter,
        storage,
        { bucketName },
        { name: "q.png" },
        (await testImages()).png,
      );
      const requests = await Promise.all(
        Array.from({ length: 6 }, () =>
          get(`${file.id}?w=20&q=60`, { accept: "image/avif,image/webp,*/*" }),
        ),
      );
      for (const response of requests) {
        expect(response.status).toBe(200);
        expect(response.headers.get("vary")).toBe("Accept");
        expect(response.headers.get("content-type")).toBe("image/png");
        await response.arrayBuffer();
      }
      for (const accept of ["image/avif", "image/png", "*/*"]) {
        const response = await get(`${file.id}?w=20`, { accept });
        expect(response.headers.get("vary")).toBe("Accept");
        await response.arrayBuffer();
      }
      const jobs = (await queueWorkerListJobs(adapter, { name: FILE_TRANSFORM_JOB_NAME }))
        .map((job) => job.data as { fileId: string; transformKey: string; options: unknown })
        .filter((data) => data.fileId === file.id)
        .sort((a, b) => a.transformKey.localeCompare(b.transformKey));
      expect(jobs).toEqual([
        {
          fileId: file.id,
          transformKey: "compas-image-transform-avif-w20-q75",
          options: { w: 20, q: 75, contentType: "image/avif" },
        },
        {
          fileId: file.id,
          transformKey: "compas-image-transform-none-w20-q75",
          options: { w: 20, q: 75, contentType: "image/png" },
        },
        {
          fileId: file.id,
          transformKey: "compas-image-transform-webp-w20-q60",
          options: { w: 20, q: 60, contentType: "image/webp" },
        },
        {
          fileId: file.id,
          transformKey: "compas-image-transform-webp-w20-q75",
          options: { w: 20, q: 75, contentType: "image/webp" },
        },
      ]);
    });

    it("a known key sends the transformed file; one pointing at a deleted row sends the original", async () => {
      const file = await fileCreateOrUpdate(
        adapter,
        storage,
        { bucketName },
        { name: "k.png" },
        (await testImages()).png,
      );
      const variant = await fileCreateOrUpdate(
        adapter,
        storage,
        { bucketName },
        { name: "variant", contentType: "image/webp", meta: { transformedFromOriginal: file.id } },
        Buffer.from("pretend-webp"),
      );
      const key = "compas-image-transform-webp-w64-q75";
      await adapter.files!.setTransform(file.id, key, variant.id);
      const sent = await get(`${file.id}?w=64`, { accept: "image/webp" });
      expect(sent.status).toBe(200);
      expect(sent.headers.get("content-type")).toBe("image/webp");
      expect(sent.headers.get("vary")).toBe("Accept");
      expect(await sent.text()).toBe("pretend-webp");
      const ranged = await get(`${file.id}?w=64`, { accept: "image/webp", range: "bytes=0-6" });
      expect(ranged.status).toBe(206);
      expect(await ranged.text()).toBe("pretend");
      await adapter.files!.delete(variant.id);
      const fallback = await get(`${file.id}?w=64`, { accept: "image/webp" });
      expect(fallback.headers.get("content-type")).toBe("image/png");
      await fallback.arrayBuffer();
      const jobs = (await queueWorkerListJobs(adapter, { name: FILE_TRANSFORM_JOB_NAME })).filter(
        (job) => (job.data as { fileId: string }).fileId === file.id,
      );
      expect(jobs.map((job) => (job.data as { transformKey: string }).transformKey)).toEqual([key]);
    });
  });
}
