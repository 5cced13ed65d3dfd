import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { expectDocketError } from "@docket/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObjectStorage } from "../object-storage.ts";
import { freshBucket, type StorageFactory } from "./storage-factory.ts";

/** The `ObjectStorage` contract, run on the local directory and on S3. */
export function describeObjectStorage(factory: StorageFactory): void {
  describe(`object storage: ${factory.label}`, () => {
    let storage: ObjectStorage;
    let teardown: () => Promise<void>;
    beforeAll(async () => {
      ({ storage, teardown } = await factory.create());
    });
    afterAll(() => teardown());

    it("puts Buffers and streams and reads them whole, as a range and as a stat", async () => {
      const bucketName = await freshBucket(storage);
      await storage.ensureBucket(bucketName); // idempotent
      const key = randomUUID();
      await storage.put(bucketName, key, Buffer.from("hello world"), {
        contentType: "text/plain",
        contentLength: 11,
      });
      expect((await storage.getBuffer(bucketName, key)).toString()).toBe("hello world");
      expect(await text(await storage.getStream(bucketName, key, { start: 6, end: 10 }))).toBe(
        "world",
      );
      const info = await storage.stat(bucketName, key);
      expect(info).toMatchObject({ key, size: 11 });
      expect(Math.abs(info!.lastModified.getTime() - Date.now())).toBeLessThan(120_000);
      const streamed = randomUUID();
      await storage.put(
        bucketName,
        streamed,
        Readable.from([Buffer.from("ab"), Buffer.from("cd")]),
        {
          contentType: "text/plain",
          contentLength: 4,
        },
      );
      expect((await storage.getBuffer(bucketName, streamed)).toString()).toBe("abcd");
      // Replacing an object.
      await storage.put(bucketName, key, Buffer.from("new"), {
        contentType: "text/plain",
        contentLength: 3,
      });
      expect((await storage.getBuffer(bucketName, key)).toString()).toBe("new");
      expect(await storage.stat(bucketName, randomUUID())).toBeNull();
      await expectDocketError(storage.getBuffer(bucketName, randomUUID()), "storage_error");
      await expectDocketError(storage.getStream(bucketName, randomUUID()), "storage_error");
    });

    it("lists page by page in key order and deletes many keys, one bucket only", async () => {
      const bucketName = await freshBucket(storage);
      const otherBucket = await freshBucket(storage);
      const keys = Array.from({ length: 7 }, () => randomUUID()).sort();
      for (const key of keys) {
        await storage.put(bucketName, key, Buffer.from(key), {
          contentType: "text/plain",
          contentLength: 36,
        });
      }
      await storage.put(otherBucket, keys[0]!, Buffer.from("x"), {
        contentType: "text/plain",
        contentLength: 1,
      });
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page = await storage.list(bucketName, { limit: 3, after });
        seen.push(...page.objects.map((object) => object.key));
        after = page.next;
        pages++;
      } while (after !== null);
      expect(seen).toEqual(keys);
      expect(pages).toBe(3);
      await storage.deleteMany(bucketName, [...keys.slice(0, 5), randomUUID()]);
      const rest = await storage.list(bucketName, { limit: 100 });
      expect(rest.objects.map((object) => object.key)).toEqual(keys.slice(5));
      expect(rest.next).toBeNull();
      expect((await storage.getBuffer(otherBucket, keys[0]!)).toString()).toBe("x");
    });

    it("refuses bucket names and keys it cannot store, with typed errors", async () => {
      for (const bad of [
        "",
        "ab",
        "Upper",
        "under_score",
        "../up",
        "a..b",
        "-start",
        "192.168.1.1",
        "a/b",
      ]) {
        await expectDocketError(
          () => storage.validateBucketName(bad),
          "invalid_argument",
          "bucketName",
        );
        await expectDocketError(storage.ensureBucket(bad), "invalid_argument", "bucketName");
        await expectDocketError(
          storage.put(bad, randomUUID(), Buffer.from("x"), {
            contentType: "text/plain",
            contentLength: 1,
          }),
          "invalid_argument",
          "bucketName",
        );
      }
      const bucketName = await freshBucket(storage);
      for (const key of ["../x", ".hidden", "a/b", ""]) {
        await expectDocketError(
          storage.put(bucketName, key, Buffer.from("x"), {
            contentType: "text/plain",
            contentLength: 1,
          }),
          "invalid_argument",
          "key",
        );
      }
      expect((await storage.list(bucketName, { limit: 10 })).objects).toEqual([]);
    });
  });
}
