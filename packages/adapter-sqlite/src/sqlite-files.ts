import {
  epochMsToDate,
  FILE_TRANSFORM_JOB_NAME,
  type FileColumns,
  type FileMetaPatch,
  type FileRow,
  type FileStoreSeam,
  type FileUpsert,
  fileRowReader,
} from "@docket/core/adapter";
import { prepared, type SqliteDatabase } from "./sqlite-connection.ts";
import * as sql from "./sqlite-files-sql.ts";

/** Times are epoch milliseconds. */
type SqliteFileRow = FileColumns<number>;

const toFileRow = fileRowReader(epochMsToDate);

/**
 * The file store seam on SQLite (docs/files.md). `run` is the adapter's own runner (gate,
 * busy retries, error mapping), so file statements behave like queue statements; each
 * one runs synchronously, so inside `transaction(fn)` it lands in that transaction.
 */
export class SqliteFileStore implements FileStoreSeam {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly table: string,
    private readonly run: <T>(action: string, work: () => T) => Promise<T>,
  ) {}

  upsert(file: FileUpsert): Promise<FileRow> {
    return this.run("file upsert", () => {
      const row = prepared<SqliteFileRow>(this.db, sql.upsertFile(this.table)).get({
        id: file.id,
        bucketName: file.bucketName,
        name: file.name,
        contentType: file.contentType,
        contentLength: file.contentLength,
        meta: JSON.stringify(file.meta),
        now: Date.now(),
      });
      return toFileRow(row!);
    });
  }

  get(id: string): Promise<FileRow | null> {
    return this.run("file get", () => {
      const row = prepared<SqliteFileRow>(this.db, sql.selectFile(this.table)).get({ id });
      return row === undefined ? null : toFileRow(row);
    });
  }

  list(bucketName: string): Promise<FileRow[]> {
    return this.run("file list", () =>
      prepared<SqliteFileRow>(this.db, sql.listFiles(this.table))
        .all({ bucketName })
        .map(toFileRow),
    );
  }

  delete(id: string): Promise<boolean> {
    return this.run(
      "file delete",
      () => prepared(this.db, sql.deleteFile(this.table)).run({ id }).changes > 0,
    );
  }

  setTransform(id: string, key: string, transformedId: string): Promise<boolean> {
    return this.run(
      "file set transform",
      () =>
        prepared(this.db, sql.setTransform(this.table)).run({ id, key, transformedId }).changes > 0,
    );
  }

  mergeMeta(id: string, values: FileMetaPatch, options: { overwrite: boolean }): Promise<boolean> {
    return this.run(
      "file merge meta",
      () =>
        prepared(this.db, sql.mergeMeta(this.table, options.overwrite)).run({
          id,
          patch: JSON.stringify(values),
        }).changes > 0,
    );
  }

  lockFile(id: string): Promise<FileRow | null> {
    // The caller's BEGIN IMMEDIATE transaction holds SQLite's one write lock already.
    return this.get(id);
  }

  hasPendingTransformJob(fileId: string, transformKey: string): Promise<boolean> {
    return this.run("file pending transform", () => {
      const row = prepared(this.db, sql.pendingTransformJob(this.table)).get({
        jobName: FILE_TRANSFORM_JOB_NAME,
        fileId,
        transformKey,
      });
      return row !== undefined;
    });
  }

  deleteOrphanTransforms(bucketName: string): Promise<number> {
    return this.run(
      "file delete orphan transforms",
      () => prepared(this.db, sql.deleteOrphanTransforms(this.table)).run({ bucketName }).changes,
    );
  }

  existingIds(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.run("file existing ids", () =>
      prepared<{ id: string }>(this.db, sql.existingIds(this.table))
        .all({ ids: JSON.stringify(ids) })
        .map((row) => row.id),
    );
  }
}
