import type { FileMeta, FileRow } from "../file-store-seam.ts";

/**
 * A file row as every adapter selects it: the table's snake_case columns, with the values
 * a driver hands back. `content_length` may arrive as text (a bigint), `meta` as JSON text
 * or already parsed (MariaDB marks a JSON-checked column as JSON), and the times in the
 * driver's own form, which the adapter converts with the `toDate` it passes in.
 */
export interface FileColumns<Time> {
  id: string;
  bucket_name: string;
  name: string;
  content_type: string;
  content_length: number | string;
  meta: string | FileMeta;
  created_at: Time;
  updated_at: Time;
}

/** Maps selected rows to the seam's `FileRow` (docs/files.md), times read with `toDate`. */
export function fileRowReader<Time>(
  toDate: (value: Time) => Date,
): (row: FileColumns<Time>) => FileRow {
  return (row) => ({
    id: row.id,
    bucketName: row.bucket_name,
    name: row.name,
    contentType: row.content_type,
    contentLength: Number(row.content_length),
    meta: typeof row.meta === "string" ? (JSON.parse(row.meta) as FileMeta) : row.meta,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  });
}

/** A time stored or selected as epoch milliseconds (a number, or text for a bigint). */
export function epochMsToDate(value: number | string): Date {
  return new Date(Number(value));
}
