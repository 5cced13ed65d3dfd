import {
  FILE_TRANSFORM_JOB_NAME,
  type FileColumns,
  type FileMetaPatch,
  type FileRow,
  type FileStoreSeam,
  type FileUpsert,
  fileRowReader,
} from "@docket/core/adapter";
import type { ResultSetHeader, RowDataPacket } from "mysql2/promise";
import { type MysqlExecutor, padToBucket, selectRows, write } from "./mysql-connection.ts";
import * as sql from "./mysql-files-sql.ts";
import { parseUtcDateTime } from "./mysql-rows.ts";

/** Times are UTC `DATETIME(3)` text. */
type MysqlFileRow = FileColumns<string>;

const toFileRow = fileRowReader(parseUtcDateTime);

const READ = { replayable: true } as const;
/** A statement whose second run changes nothing more than the first. */
const IDEMPOTENT = { replayable: true } as const;

/** Padded `IN` lists stay below this many placeholders per statement. */
const IDS_PER_STATEMENT = 1024;

/** The file store seam on MySQL / MariaDB (docs/files.md), through the adapter's executor. */
export class MysqlFileStore implements FileStoreSeam {
  constructor(
    private readonly exec: MysqlExecutor,
    private readonly table: string,
  ) {}

  upsert(file: FileUpsert): Promise<FileRow> {
    return this.exec.unitOfWork("file upsert", async (connection) => {
      await write(connection, sql.upsertFile(this.table), [
        file.id,
        file.bucketName,
        file.name,
        file.contentType,
        file.contentLength,
        JSON.stringify(file.meta),
      ]);
      const rows = await selectRows<MysqlFileRow>(connection, sql.selectFile(this.table), [
        file.id,
      ]);
      return toFileRow(rows[0]!);
    });
  }

  async get(id: string): Promise<FileRow | null> {
    const rows = await this.rows<MysqlFileRow>("file get", sql.selectFile(this.table), [id]);
    return rows[0] === undefined ? null : toFileRow(rows[0]);
  }

  async list(bucketName: string): Promise<FileRow[]> {
    const rows = await this.rows<MysqlFileRow>("file list", sql.listFiles(this.table), [
      bucketName,
    ]);
    return rows.map(toFileRow);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.write("file delete", sql.deleteFile(this.table), [id])) > 0;
  }

  async setTransform(id: string, key: string, transformedId: string): Promise<boolean> {
    // affectedRows, not changedRows: setting the same value again still finds the row.
    return (
      (await this.write("file set transform", sql.setTransform(this.table), [
        key,
        transformedId,
        id,
      ])) > 0
    );
  }

  async mergeMeta(
    id: string,
    values: FileMetaPatch,
    options: { overwrite: boolean },
  ): Promise<boolean> {
    const affected = await this.write(
      "file merge meta",
      sql.mergeMeta(this.table, options.overwrite),
      [JSON.stringify(values), id],
    );
    return affected > 0;
  }

  async lockFile(id: string): Promise<FileRow | null> {
    const rows = await this.rows<MysqlFileRow>("file lock", sql.lockFile(this.table), [id]);
    return rows[0] === undefined ? null : toFileRow(rows[0]);
  }

  /**
   * A plain read after `lockFile` in the same transaction: InnoDB takes a transaction's
   * snapshot at its first non-locking read, which comes after the row lock was granted, so
   * it sees the job a previous holder of the lock committed (REPEATABLE READ included).
   */
  async hasPendingTransformJob(fileId: string, transformKey: string): Promise<boolean> {
    const rows = await this.rows("file pending transform", sql.pendingTransformJob(this.table), [
      FILE_TRANSFORM_JOB_NAME,
      fileId,
      transformKey,
    ]);
    return rows.length > 0;
  }

  deleteOrphanTransforms(bucketName: string): Promise<number> {
    return this.write("file delete orphan transforms", sql.deleteOrphanTransforms(this.table), [
      bucketName,
    ]);
  }

  async existingIds(ids: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    for (let start = 0; start < ids.length; start += IDS_PER_STATEMENT) {
      const chunk = padToBucket(ids.slice(start, start + IDS_PER_STATEMENT));
      const rows = await this.rows<{ id: string }>(
        "file existing ids",
        sql.existingIds(this.table, chunk.length),
        chunk,
      );
      for (const row of rows) found.push(row.id);
    }
    return found;
  }

  private async rows<T>(action: string, text: string, values: readonly unknown[]): Promise<T[]> {
    const rows = await this.exec.statement<RowDataPacket[]>(action, text, values, READ);
    return rows as unknown as T[];
  }

  private async write(action: string, text: string, values: readonly unknown[]): Promise<number> {
    const header = await this.exec.statement<ResultSetHeader>(action, text, values, IDEMPOTENT);
    return header.affectedRows;
  }
}
