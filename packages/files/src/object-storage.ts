import type { Readable } from "node:stream";
import { DocketError } from "@docket/core";

/** One stored object, as a listing or `stat` sees it. */
export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

export interface ObjectListPage {
  /** Ascending by key. */
  objects: StoredObject[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

/**
 * Where file contents live (docs/files.md): one object per file, key = the file id, in a
 * bucket. Two implementations: `createLocalDirectoryStorage` (the embedded default next to
 * SQLite) and `createS3Storage` from `@docket/files/s3` (any S3-compatible server).
 * Failures are `DocketError`s: `invalid_argument` (field `bucketName`) for a bucket name
 * the storage refuses, `storage_error` for the rest.
 */
export interface ObjectStorage {
  /** `"local"` or `"s3"`. */
  readonly kind: string;
  /** Throws `invalid_argument` (field `bucketName`) for a name this storage refuses. */
  validateBucketName(bucketName: string): void;
  /** Creates the bucket when missing. */
  ensureBucket(bucketName: string): Promise<void>;
  /** Stores the whole body under `key`, replacing an object there. */
  put(
    bucketName: string,
    key: string,
    body: Buffer | Readable,
    info: { contentType: string; contentLength: number },
  ): Promise<void>;
  /** The object's bytes, or `start..end` inclusive. `storage_error` when it is missing. */
  getStream(
    bucketName: string,
    key: string,
    range?: { start: number; end: number },
  ): Promise<Readable>;
  getBuffer(bucketName: string, key: string): Promise<Buffer>;
  /** Size and modification time, or null when there is no such object. */
  stat(bucketName: string, key: string): Promise<StoredObject | null>;
  /** Up to `limit` objects with keys after `after`, ascending. */
  list(
    bucketName: string,
    options: { limit: number; after?: string | null },
  ): Promise<ObjectListPage>;
  /** Deletes these keys (missing ones are ignored). */
  deleteMany(bucketName: string, keys: readonly string[]): Promise<void>;
}

/**
 * S3's bucket naming rules, applied by both storages so a bucket name works the same
 * everywhere: 3–63 characters, lowercase letters, digits, `.` and `-`, starting and ending
 * with a letter or digit, no `..`, not an IP address.
 */
export function validateS3BucketName(bucketName: unknown): asserts bucketName is string {
  const ok =
    typeof bucketName === "string" &&
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucketName) &&
    !bucketName.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(bucketName);
  if (!ok) {
    throw new DocketError(
      "invalid_argument",
      `expected bucketName to be a valid bucket name (3-63 of a-z, 0-9, '.', '-'), got: ${JSON.stringify(bucketName)}`,
      { field: "bucketName" },
    );
  }
}

/** Object keys are file ids in practice; anything else must still be a safe single segment. */
export function validateObjectKey(key: unknown): asserts key is string {
  if (typeof key !== "string" || !/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$/.test(key)) {
    throw new DocketError(
      "invalid_argument",
      `expected key to be an object key of letters, digits, '.', '_', '-', got: ${JSON.stringify(key)}`,
      { field: "key" },
    );
  }
}

export function storageError(action: string, cause: unknown, field?: string): DocketError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new DocketError("storage_error", `object storage: ${action} failed: ${detail}`, {
    cause,
    ...(field === undefined ? {} : { field }),
  });
}
