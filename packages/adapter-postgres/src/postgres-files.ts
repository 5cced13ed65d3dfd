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
import type { QueryConfig, QueryResultRow } from "pg";
import * as sql from "./postgres-files-sql.ts";
import type { PostgresTableNames } from "./postgres-sql.ts";

/** Lengths and times are selected as text (bigint, epoch milliseconds). */
type PostgresFileRow = FileColumns<string>;

/** Runs one statement on the adapter's pool or its bound client, mapping errors. */
export type PostgresRunner = <R extends QueryResultRow>(
  operation: string,
  config: QueryConfig,
) => Promise<{ rows: R[]; rowCount: number | null }>;

const toFileRow = fileRowReader(epochMsToDate);

/** The file store seam on Postgres (docs/files.md). */
export class PostgresFileStore implements FileStoreSeam {
  constructor(
    private readonly names: PostgresTableNames,
    private readonly run: PostgresRunner,
  ) {}

  async upsert(file: FileUpsert): Promise<FileRow> {
    const result = await this.run<PostgresFileRow>("file upsert", {
      text: sql.upsertFile(this.names),
      values: [
        file.id,
        file.bucketName,
        file.name,
        file.contentType,
        file.contentLength,
        JSON.stringify(file.meta),
      ],
    });
    return toFileRow(result.rows[0]!);
  }

  async get(id: string): Promise<FileRow | null> {
    const result = await this.run<PostgresFileRow>("file get", {
      text: sql.selectFile(this.names),
      values: [id],
    });
    const row = result.rows[0];
    return row === undefined ? null : toFileRow(row);
  }

  async list(bucketName: string): Promise<FileRow[]> {
    const result = await this.run<PostgresFileRow>("file list", {
      text: sql.listFiles(this.names),
      values: [bucketName],
    });
    return result.rows.map(toFileRow);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.run("file delete", {
      text: sql.deleteFile(this.names),
      values: [id],
    });
    return (result.rowCount ?? 0) > 0;
  }

  async setTransform(id: string, key: string, transformedId: string): Promise<boolean> {
    const result = await this.run("file set transform", {
      text: sql.setTransform(this.names),
      values: [id, key, transformedId],
    });
    return (result.rowCount ?? 0) > 0;
  }

  async mergeMeta(
    id: string,
    values: FileMetaPatch,
    options: { overwrite: boolean },
  ): Promise<boolean> {
    const result = await this.run("file merge meta", {
      text: sql.mergeMeta(this.names, options.overwrite),
      values: [id, JSON.stringify(values)],
    });
    return (result.rowCount ?? 0) > 0;
  }

  async lockFile(id: string): Promise<FileRow | null> {
    const result = await this.run<PostgresFileRow>("file lock", {
      text: sql.lockFile(this.names),
      values: [id],
    });
    const row = result.rows[0];
    return row === undefined ? null : toFileRow(row);
  }

  async hasPendingTransformJob(fileId: string, transformKey: string): Promise<boolean> {
    const result = await this.run("file pending transform", {
      text: sql.pendingTransformJob(this.names),
      values: [FILE_TRANSFORM_JOB_NAME, fileId, transformKey],
    });
    return result.rows.length > 0;
  }

  async deleteOrphanTransforms(bucketName: string): Promise<number> {
    const result = await this.run("file delete orphan transforms", {
      text: sql.deleteOrphanTransforms(this.names),
      values: [bucketName],
    });
    return result.rowCount ?? 0;
  }

  async existingIds(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const result = await this.run<{ id: string }>("file existing ids", {
      text: sql.existingIds(this.names),
      values: [ids],
    });
    return result.rows.map((row) => row.id);
  }
}
