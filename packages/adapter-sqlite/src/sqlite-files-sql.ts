/**
 * SQL of the file store on SQLite (docs/files.md). Rows live in `<table>_file`; times are
 * INTEGER epoch milliseconds like the job table, `meta` is JSON text changed only through
 * SQLite's JSON functions so two writers of different keys never lose each other's work.
 */

const COLUMNS = "id, bucket_name, name, content_type, content_length, meta, created_at, updated_at";

export const upsertFile = (t: string) =>
  `INSERT INTO ${t}_file (${COLUMNS})
VALUES (:id, :bucketName, :name, :contentType, :contentLength, :meta, :now, :now)
ON CONFLICT (id) DO UPDATE SET
  bucket_name = excluded.bucket_name, name = excluded.name,
  content_type = excluded.content_type, content_length = excluded.content_length,
  meta = excluded.meta, updated_at = excluded.updated_at
RETURNING ${COLUMNS}`;

export const selectFile = (t: string) => `SELECT ${COLUMNS} FROM ${t}_file WHERE id = :id`;

export const listFiles = (t: string) =>
  `SELECT ${COLUMNS} FROM ${t}_file WHERE bucket_name = :bucketName ORDER BY created_at, id`;

export const deleteFile = (t: string) => `DELETE FROM ${t}_file WHERE id = :id`;

/** RFC 7396 merge of `{ transforms: { key: id } }`: only that key changes. */
export const setTransform = (t: string) =>
  `UPDATE ${t}_file
SET meta = json_patch(meta, json_object('transforms', json_object(:key, :transformedId)))
WHERE id = :id`;

/** `overwrite`: the patch wins; otherwise the row's keys win (missing keys are filled). */
export const mergeMeta = (t: string, overwrite: boolean) =>
  overwrite
    ? `UPDATE ${t}_file SET meta = json_patch(meta, :patch) WHERE id = :id`
    : `UPDATE ${t}_file SET meta = json_patch(:patch, meta) WHERE id = :id`;

export const pendingTransformJob = (t: string) =>
  `SELECT 1 AS found FROM ${t}
WHERE name = :jobName AND is_complete = 0
  AND json_extract(data, '$.fileId') = :fileId
  AND json_extract(data, '$.transformKey') = :transformKey
LIMIT 1`;

export const deleteOrphanTransforms = (t: string) =>
  `DELETE FROM ${t}_file
WHERE bucket_name = :bucketName
  AND json_extract(meta, '$.transformedFromOriginal') IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM ${t}_file AS original
    WHERE original.id = json_extract(${t}_file.meta, '$.transformedFromOriginal')
  )`;

export const existingIds = (t: string) =>
  `SELECT id FROM ${t}_file WHERE id IN (SELECT value FROM json_each(:ids))`;
