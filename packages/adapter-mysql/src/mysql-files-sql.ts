/**
 * SQL of the file store on MySQL / MariaDB (docs/files.md). `meta` is utf8mb4 LONGTEXT
 * checked with `JSON_VALID` (MariaDB's JSON type is that alias anyway) and changed only
 * with `JSON_MERGE_PATCH` inside one UPDATE, which InnoDB applies to the newest row
 * version under its row lock: two writers of different keys never lose each other's work.
 * Times are UTC `DATETIME(3)` from `UTC_TIMESTAMP(3)`, like the job table.
 */

const COLUMNS =
  "id, bucket_name, name, content_type, content_length, meta, " +
  "DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s.%f') AS created_at, " +
  "DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f') AS updated_at";

/** Params: id, bucket, name, type, length, meta. */
export const upsertFile = (t: string) =>
  `INSERT INTO ${t}_file (id, bucket_name, name, content_type, content_length, meta, created_at, updated_at) ` +
  "VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)) " +
  "ON DUPLICATE KEY UPDATE bucket_name = VALUES(bucket_name), name = VALUES(name), " +
  "content_type = VALUES(content_type), content_length = VALUES(content_length), " +
  "meta = VALUES(meta), updated_at = VALUES(updated_at)";

export const selectFile = (t: string) => `SELECT ${COLUMNS} FROM ${t}_file WHERE id = ?`;

export const lockFile = (t: string) => `SELECT ${COLUMNS} FROM ${t}_file WHERE id = ? FOR UPDATE`;

export const listFiles = (t: string) =>
  `SELECT ${COLUMNS} FROM ${t}_file WHERE bucket_name = ? ORDER BY created_at, id`;

export const deleteFile = (t: string) => `DELETE FROM ${t}_file WHERE id = ?`;

/** Params: key, transformed id, id. RFC 7396 merge: only that key of `transforms` changes. */
export const setTransform = (t: string) =>
  `UPDATE ${t}_file SET meta = JSON_MERGE_PATCH(meta, JSON_OBJECT('transforms', JSON_OBJECT(?, ?))) ` +
  "WHERE id = ?";

/** Params: patch, id. `overwrite`: the patch wins; otherwise the row's keys win. */
export const mergeMeta = (t: string, overwrite: boolean) =>
  overwrite
    ? `UPDATE ${t}_file SET meta = JSON_MERGE_PATCH(meta, ?) WHERE id = ?`
    : `UPDATE ${t}_file SET meta = JSON_MERGE_PATCH(?, meta) WHERE id = ?`;

/** Params: job name, file id, transform key. */
export const pendingTransformJob = (t: string) =>
  `SELECT 1 AS found FROM ${t} WHERE name = ? AND is_complete = 0 ` +
  "AND JSON_UNQUOTE(JSON_EXTRACT(data, '$.fileId')) = ? " +
  "AND JSON_UNQUOTE(JSON_EXTRACT(data, '$.transformKey')) = ? LIMIT 1";

/** Params: bucket. A self-join (MySQL cannot DELETE from a table its subquery reads). */
export const deleteOrphanTransforms = (t: string) =>
  `DELETE f FROM ${t}_file AS f LEFT JOIN ${t}_file AS original ` +
  "ON original.id = JSON_UNQUOTE(JSON_EXTRACT(f.meta, '$.transformedFromOriginal')) " +
  "WHERE f.bucket_name = ? AND JSON_EXTRACT(f.meta, '$.transformedFromOriginal') IS NOT NULL " +
  "AND original.id IS NULL";

/** `count` placeholders (padded to a power of two by the caller, see `padToBucket`). */
export const existingIds = (t: string, count: number) =>
  `SELECT id FROM ${t}_file WHERE id IN (${Array.from({ length: count }, () => "?").join(", ")})`;
