/**
 * The seam between `@docket/files` and a database (docs/files.md, file store). Type-only:
 * core stays driver-free and an adapter implements it with its own SQL in `<db>-files.ts`.
 * Rows live in `<tableName>_file`, created by the adapter's `migrate()` (migration 3).
 *
 * Every method is one statement (or, for `lockFile`, one locking read inside the caller's
 * transaction), so it is atomic on its own. The seam is available on adapters bound to a
 * transaction too, so a file row and a job commit together.
 */
export interface FileStoreSeam {
  /**
   * Inserts the row, or replaces `bucketName`, `name`, `contentType`, `contentLength` and
   * `meta` of an existing id, keeping `createdAt` and moving `updatedAt` to the adapter's
   * now. Returns the row as stored.
   */
  upsert(file: FileUpsert): Promise<FileRow>;
  /** One row, or null. `id` must be a lowercase v4 UUID (the caller validates it). */
  get(id: string): Promise<FileRow | null>;
  /** Rows of one bucket, oldest first (createdAt, id). */
  list(bucketName: string): Promise<FileRow[]>;
  /** Deletes the row; true when it existed. */
  delete(id: string): Promise<boolean>;
  /**
   * Sets `meta.transforms[key] = transformedId` in one statement with the database's JSON
   * functions, so a concurrent update of another key is never lost. False when no row.
   */
  setTransform(id: string, key: string, transformedId: string): Promise<boolean>;
  /**
   * Merges top-level `meta` keys in one statement. `overwrite: false` only adds keys the
   * row lacks (used to fill dimensions without clobbering). False when no row.
   */
  mergeMeta(id: string, values: FileMetaPatch, options: { overwrite: boolean }): Promise<boolean>;
  /**
   * Inside a transaction: locks the row until the transaction ends (`FOR UPDATE`; SQLite's
   * write transaction already serialises writers) and returns it, or null.
   */
  lockFile(id: string): Promise<FileRow | null>;
  /**
   * Whether an unfinished `compas.file.transformImage` job for this file and key exists in
   * the queue's job table. Called after `lockFile` inside the same transaction, so two
   * requests for one file decide one after the other (docs/files.md: at most one pending
   * job per file and key).
   */
  hasPendingTransformJob(fileId: string, transformKey: string): Promise<boolean>;
  /** Deletes rows of the bucket whose `meta.transformedFromOriginal` row is gone; returns how many. */
  deleteOrphanTransforms(bucketName: string): Promise<number>;
  /** Which of `ids` have a row (any bucket). */
  existingIds(ids: readonly string[]): Promise<string[]>;
}

/** `meta` as stored (docs/files.md); unknown keys are rejected before they get here. */
export interface FileMeta {
  transforms?: Record<string, string>;
  transformedFromOriginal?: string;
  originalWidth?: number;
  originalHeight?: number;
  placeholderImage?: string;
  altText?: string;
}

/** Top-level meta keys `mergeMeta` may set (not `transforms`: see `setTransform`). */
export type FileMetaPatch = Omit<FileMeta, "transforms">;

export interface FileRow {
  id: string;
  bucketName: string;
  name: string;
  contentType: string;
  contentLength: number;
  meta: FileMeta;
  createdAt: Date;
  updatedAt: Date;
}

export interface FileUpsert {
  id: string;
  bucketName: string;
  name: string;
  contentType: string;
  contentLength: number;
  meta: FileMeta;
}

/** The job `fileSendTransformedImageResponse` enqueues; its dedup query matches on it. */
export const FILE_TRANSFORM_JOB_NAME = "compas.file.transformImage";
