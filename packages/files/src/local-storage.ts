import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { invalidArgument } from "@docket/core/adapter";
import {
  type ObjectListPage,
  type ObjectStorage,
  type StoredObject,
  storageError,
  validateObjectKey,
  validateS3BucketName,
} from "./object-storage.ts";

export interface LocalDirectoryStorageOptions {
  /** The root directory; each bucket is a sub-directory, each object a file named by its key. */
  directory: string;
}

/** Temporary files start with a dot, which keys never do, so listings skip them. */
const TEMP_PREFIX = ".upload-";

/**
 * `ObjectStorage` on a local directory: `<directory>/<bucket>/<key>`. Writes go to a
 * temporary file renamed into place, so a reader never sees half an object. Bucket names
 * follow S3's rules (so moving to S3 later needs no renames).
 */
export function createLocalDirectoryStorage(options: LocalDirectoryStorageOptions): ObjectStorage {
  if (typeof options?.directory !== "string" || options.directory.length === 0) {
    throw invalidArgument("directory", "a directory path", options?.directory);
  }
  const root = resolve(options.directory);
  const bucketDir = (bucketName: string) => {
    validateS3BucketName(bucketName);
    return join(root, bucketName);
  };
  const objectPath = (bucketName: string, key: string) => {
    const dir = bucketDir(bucketName);
    validateObjectKey(key);
    return join(dir, key);
  };

  return {
    kind: "local",

    validateBucketName(bucketName) {
      validateS3BucketName(bucketName);
    },

    async ensureBucket(bucketName) {
      const dir = bucketDir(bucketName);
      try {
        await mkdir(dir, { recursive: true });
      } catch (error) {
        throw storageError("create bucket", error, "bucketName");
      }
    },

    async put(bucketName, key, body) {
      const path = objectPath(bucketName, key);
      const dir = bucketDir(bucketName);
      const temp = join(dir, `${TEMP_PREFIX}${randomUUID()}`);
      try {
        await mkdir(dir, { recursive: true });
        await pipeline(
          Buffer.isBuffer(body) ? Readable.from([body]) : body,
          createWriteStream(temp),
        );
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => {});
        throw storageError("put", error, "key");
      }
    },

    async getStream(bucketName, key, range) {
      const path = objectPath(bucketName, key);
      // Opened before returning, so a missing object is an error here and not mid-response.
      const stream = createReadStream(path, range === undefined ? {} : range);
      await new Promise<void>((resolveOpen, reject) => {
        stream.once("open", () => resolveOpen());
        stream.once("error", reject);
      }).catch((error: unknown) => {
        throw storageError("get", error, "key");
      });
      return stream;
    },

    async getBuffer(bucketName, key) {
      try {
        return await readFile(objectPath(bucketName, key));
      } catch (error) {
        throw storageError("get", error, "key");
      }
    },

    async stat(bucketName, key) {
      try {
        const info = await stat(objectPath(bucketName, key));
        return { key, size: info.size, lastModified: info.mtime };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw storageError("stat", error, "key");
      }
    },

    async list(bucketName, { limit, after }): Promise<ObjectListPage> {
      const dir = bucketDir(bucketName);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return { objects: [], next: null };
        throw storageError("list", error, "bucketName");
      }
      const keys = names
        .filter((name) => !name.startsWith(".") && (after == null || name > after))
        .sort();
      const page = keys.slice(0, limit);
      const objects: StoredObject[] = [];
      for (const key of page) {
        const info = await stat(join(dir, key)).catch(() => null);
        if (info !== null) objects.push({ key, size: info.size, lastModified: info.mtime });
      }
      const last = page[page.length - 1];
      return { objects, next: keys.length > limit && last !== undefined ? last : null };
    },

    async deleteMany(bucketName, keys) {
      for (const key of keys) {
        try {
          await rm(objectPath(bucketName, key), { force: true });
        } catch (error) {
          throw storageError("delete", error, "key");
        }
      }
    },
  };
}
