import type { PostgresTableNames } from "./postgres-sql.ts";

/**
 * SQL of the file store on Postgres (docs/files.md). `meta` is `jsonb` (key order does not
 * matter for it, unlike a job's `data`) and is changed only with jsonb operators inside one
 * UPDATE, which re-reads the newest row version after a lock wait: two writers of
 * different keys never lose each other's work. Times are `timestamptz(3)` from
 * `statement_timestamp()`, read back as epoch milliseconds (text) so a caller's custom
 * type parsers cannot change them.
 */

const COLUMNS = `id::text AS id, bucket_name, name, content_type, content_length::text AS content_length,
  meta::text AS meta,
  floor(extract(epoch FROM created_at) * 1000)::bigint::text AS created_at,
  floor(extract(epoch FROM updated_at) * 1000)::bigint::text AS updated_at`;

/** $1 id, $2 bucket, $3 name, $4 type, $5 length, $6 meta. */
export const upsertFile = (n: PostgresTableNames) =>
  `INSERT INTO ${n.file} AS f (id, bucket_name, name, content_type, content_length, meta, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, statement_timestamp(), statement_timestamp())
ON CONFLICT (id) DO UPDATE SET
  bucket_name = excluded.bucket_name, name = excluded.name,
  content_type = excluded.content_type, content_length = excluded.content_length,
  meta = excluded.meta, updated_at = excluded.updated_at
RETURNING ${COLUMNS}`;

export const selectFile = (n: PostgresTableNames) =>
  `SELECT ${COLUMNS} FROM ${n.file} WHERE id = $1`;

export const lockFile = (n: PostgresTableNames) =>
  `SELECT ${COLUMNS} FROM ${n.file} WHERE id = $1 FOR UPDATE`;

export const listFiles = (n: PostgresTableNames) =>
  `SELECT ${COLUMNS} FROM ${n.file} WHERE bucket_name = $1 ORDER BY created_at, id`;

export const deleteFile = (n: PostgresTableNames) => `DELETE FROM ${n.file} WHERE id = $1`;

/** $1 id, $2 key, $3 transformed id. A `transforms` that is not an object starts afresh. */
export const setTransform = (n: PostgresTableNames) =>
  `UPDATE ${n.file}
SET meta = jsonb_set(
  meta,
  '{transforms}',
  (CASE WHEN jsonb_typeof(meta -> 'transforms') = 'object' THEN meta -> 'transforms'
        ELSE '{}'::jsonb END) || jsonb_build_object($2::text, $3::text)
)
WHERE id = $1`;

/** $1 id, $2 patch. `overwrite`: the patch wins; otherwise the row's keys win. */
export const mergeMeta = (n: PostgresTableNames, overwrite: boolean) =>
  overwrite
    ? `UPDATE ${n.file} SET meta = meta || $2::jsonb WHERE id = $1`
    : `UPDATE ${n.file} SET meta = $2::jsonb || meta WHERE id = $1`;

/** $1 job name, $2 file id, $3 transform key. */
export const pendingTransformJob = (n: PostgresTableNames) =>
  `SELECT 1 AS found FROM ${n.table}
WHERE name = $1 AND NOT is_complete
  AND data ->> 'fileId' = $2 AND data ->> 'transformKey' = $3
LIMIT 1`;

export const deleteOrphanTransforms = (n: PostgresTableNames) =>
  `DELETE FROM ${n.file} AS f
WHERE f.bucket_name = $1
  AND f.meta ? 'transformedFromOriginal'
  AND NOT EXISTS (
    SELECT 1 FROM ${n.file} AS original
    WHERE original.id::text = f.meta ->> 'transformedFromOriginal'
  )`;

export const existingIds = (n: PostgresTableNames) =>
  `SELECT id::text AS id FROM ${n.file} WHERE id = ANY($1::uuid[])`;
