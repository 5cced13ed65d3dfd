import { Readable } from "node:stream";
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { invalidArgument } from "@docket/core/adapter";
import {
  type ObjectStorage,
  type StoredObject,
  storageError,
  validateObjectKey,
  validateS3BucketName,
} from "./object-storage.ts";

export interface S3StorageOptions {
  /**
   * Your configured client. For MinIO and other S3-compatible servers use
   * `forcePathStyle: true`; servers that reject the SDK's default CRC checksums need
   * `requestChecksumCalculation: "WHEN_REQUIRED"` and `responseChecksumValidation:
   * "WHEN_REQUIRED"` (see the @docket/files README).
   */
  client: S3Client;
}

/** DeleteObjects takes at most 1,000 keys per request. */
const DELETE_BATCH = 1000;

/**
 * `ObjectStorage` on S3 or any S3-compatible server. Imported from `@docket/files/s3`, so
 * `@docket/files` itself never needs `@aws-sdk/client-s3`. Listing pages with `Marker`
 * (the last key seen), which every S3-compatible server supports.
 */
export function createS3Storage(options: S3StorageOptions): ObjectStorage {
  const client = options?.client;
  if (typeof client?.send !== "function") {
    throw invalidArgument("client", "an S3Client from @aws-sdk/client-s3", client);
  }
  const checkKey = (bucketName: string, key: string) => {
    validateS3BucketName(bucketName);
    validateObjectKey(key);
  };

  return {
    kind: "s3",

    validateBucketName(bucketName) {
      validateS3BucketName(bucketName);
    },

    async ensureBucket(bucketName) {
      validateS3BucketName(bucketName);
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucketName }));
        return;
      } catch {
        // Missing (or not ours): try to create it below; that reports the real problem.
      }
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucketName }));
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === "BucketAlreadyOwnedByYou") return;
        throw storageError("create bucket", error, "bucketName");
      }
    },

    async put(bucketName, key, body, info) {
      checkKey(bucketName, key);
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucketName,
            Key: key,
            Body: body,
            ContentType: info.contentType,
            // Required for a stream body: the SDK cannot sign a body of unknown length.
            ContentLength: info.contentLength,
          }),
        );
      } catch (error) {
        throw storageError("put", error, "key");
      }
    },

    async getStream(bucketName, key, range) {
      checkKey(bucketName, key);
      try {
        const response = await client.send(
          new GetObjectCommand({
            Bucket: bucketName,
            Key: key,
            ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end}` }),
          }),
        );
        const stream = response.Body;
        if (!(stream instanceof Readable)) throw new Error("the response body is not a stream");
        return stream;
      } catch (error) {
        throw storageError("get", error, "key");
      }
    },

    async getBuffer(bucketName, key) {
      checkKey(bucketName, key);
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
        if (response.Body === undefined) return Buffer.alloc(0);
        return Buffer.from(await response.Body.transformToByteArray());
      } catch (error) {
        throw storageError("get", error, "key");
      }
    },

    async stat(bucketName, key) {
      checkKey(bucketName, key);
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucketName, Key: key }));
        return {
          key,
          size: head.ContentLength ?? 0,
          lastModified: head.LastModified ?? new Date(0),
        };
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
          ?.httpStatusCode;
        if (status === 404) return null;
        throw storageError("stat", error, "key");
      }
    },

    async list(bucketName, { limit, after }) {
      validateS3BucketName(bucketName);
      try {
        const page = await client.send(
          new ListObjectsCommand({
            Bucket: bucketName,
            MaxKeys: limit,
            ...(after == null ? {} : { Marker: after }),
          }),
        );
        const objects: StoredObject[] = (page.Contents ?? []).flatMap((item) =>
          item.Key === undefined
            ? []
            : [
                {
                  key: item.Key,
                  size: item.Size ?? 0,
                  lastModified: item.LastModified ?? new Date(0),
                },
              ],
        );
        const last = objects[objects.length - 1];
        return { objects, next: page.IsTruncated === true && last !== undefined ? last.key : null };
      } catch (error) {
        throw storageError("list", error, "bucketName");
      }
    },

    async deleteMany(bucketName, keys) {
      validateS3BucketName(bucketName);
      for (let start = 0; start < keys.length; start += DELETE_BATCH) {
        const batch = keys.slice(start, start + DELETE_BATCH);
        try {
          const result = await client.send(
            new DeleteObjectsCommand({
              Bucket: bucketName,
              Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
            }),
          );
          const failed = result.Errors?.[0];
          if (failed !== undefined)
            throw new Error(`${failed.Key}: ${failed.Code} ${failed.Message}`);
        } catch (error) {
          throw storageError("delete", error, "key");
        }
      }
    },
  };
}
