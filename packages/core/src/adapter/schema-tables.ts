/**
 * The tables of a Docket queue, described once for every adapter (docs/adapters.md,
 * "Migrations"). Types are logical; each adapter maps them to its database. Tables are
 * named after the job table: `<table><suffix>`, and so are indexes.
 */

/** A column type; the mapping to each database's type lives in that adapter. */
export type ColumnType =
  /** 64-bit, increasing, never reused: the job id. */
  | { readonly kind: "serial" }
  | { readonly kind: "uuid" }
  /**
   * Short text. `strict`: the length is enforced and comparisons are exact (names the
   * queue matches on). Otherwise `max` is only the bound a database needs to index text.
   */
  | { readonly kind: "string"; readonly max: number; readonly strict: boolean }
  /** Fixed-length ASCII (hex digests). */
  | { readonly kind: "ascii"; readonly length: number }
  | { readonly kind: "longText" }
  /** `keepText`: stored exactly as written (key order); `validated`: the database checks it is JSON. */
  | { readonly kind: "json"; readonly keepText: boolean; readonly validated: boolean }
  | { readonly kind: "int" }
  | { readonly kind: "bigint" }
  | { readonly kind: "boolean" }
  /** A point in time; `millisecondsOnly`: stored at millisecond precision where it matters. */
  | { readonly kind: "timestamp"; readonly millisecondsOnly: boolean };

/**
 * A literal default, or the database's clock. Databases without a UTC clock default
 * (SQLite stores epoch milliseconds, MySQL's `CURRENT_TIMESTAMP` is in the session's
 * time zone) render `now` as no default; the adapters always bind the time themselves.
 */
export type ColumnDefault = number | string | boolean | { readonly now: true };

export const NOW: ColumnDefault = { now: true };

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly default?: ColumnDefault;
  readonly primaryKey?: boolean;
  /** Foreign key to `<table><tableSuffix>(id)`, deleting this row with it. */
  readonly references?: { readonly tableSuffix: string };
}

/** One AND-ed term of a partial index's predicate. */
export interface PredicateTerm {
  readonly column: string;
  readonly is: "true" | "false" | "notNull";
}

export interface IndexSpec {
  /** The index is named `<table><suffix>`. */
  readonly suffix: string;
  readonly columns: readonly string[];
  /** Carried in the index for index-only reads; databases without INCLUDE append them as keys. */
  readonly include?: readonly string[];
  readonly unique?: boolean;
  /** Partial index: only rows matching every term. */
  readonly where?: readonly PredicateTerm[];
}

export interface TableSpec {
  /** `""` for the job table itself. */
  readonly suffix: string;
  readonly columns: readonly ColumnSpec[];
  readonly indexes: readonly IndexSpec[];
}

const name = (max: number): ColumnType => ({ kind: "string", max, strict: true });
const text = (max: number): ColumnType => ({ kind: "string", max, strict: false });
const TIME: ColumnType = { kind: "timestamp", millisecondsOnly: false };
const TIME_MS: ColumnType = { kind: "timestamp", millisecondsOnly: true };
const INT: ColumnType = { kind: "int" };
const BIGINT: ColumnType = { kind: "bigint" };
const UUID: ColumnType = { kind: "uuid" };

/** Pending rows only: what a claim reads. */
export const PENDING: readonly PredicateTerm[] = [{ column: "is_complete", is: "false" }];
export const FINISHED: readonly PredicateTerm[] = [{ column: "is_complete", is: "true" }];

/** The job table as migration 1 created it (later migrations add to it). */
export const JOB_TABLE: TableSpec = {
  suffix: "",
  columns: [
    { name: "id", type: { kind: "serial" }, nullable: false, primaryKey: true },
    { name: "name", type: name(255), nullable: false },
    // Kept as written: data reads back exactly as core serialised it.
    {
      name: "data",
      type: { kind: "json", keepText: true, validated: false },
      nullable: false,
      default: "{}",
    },
    { name: "priority", type: INT, nullable: false, default: 5 },
    { name: "scheduled_at", type: TIME, nullable: false, default: NOW },
    // bigint: a timeout past 24.8 days (2^31 ms) is valid input.
    { name: "handler_timeout", type: BIGINT, nullable: true },
    { name: "retry_count", type: INT, nullable: false, default: 0 },
    { name: "is_complete", type: { kind: "boolean" }, nullable: false, default: false },
    { name: "created_at", type: TIME, nullable: false, default: NOW },
    { name: "updated_at", type: TIME, nullable: false, default: NOW },
    { name: "locked_by", type: name(255), nullable: true },
    { name: "locked_until", type: TIME, nullable: true },
    { name: "last_error", type: { kind: "longText" }, nullable: true },
    { name: "completed_at", type: TIME, nullable: true },
    { name: "failed_at", type: TIME, nullable: true },
    { name: "cron_expression", type: name(255), nullable: true },
  ],
  indexes: [
    // Claims walk this in spec order and stop after LIMIT rows; finished history is not in it.
    { suffix: "_claim_idx", columns: ["priority", "scheduled_at", "id"], where: PENDING },
    // At most one pending row per cron name: registration and rescheduling rely on it.
    {
      suffix: "_cron_pending_idx",
      columns: ["name"],
      unique: true,
      where: [{ column: "cron_expression", is: "notNull" }, ...PENDING],
    },
    // Superseded by `_finished_idx` (migration 5) and dropped by migration 7.
    { suffix: "_completed_at_idx", columns: ["completed_at"], where: FINISHED },
  ],
};

/** Migration 5: the cancelled state. */
export const CANCELLED_AT: ColumnSpec = { name: "cancelled_at", type: TIME, nullable: true };

/** Migration 5: the activity chart, per-name counts of finished rows and cleanup read it. */
export const FINISHED_INDEX: IndexSpec = {
  suffix: "_finished_idx",
  columns: ["completed_at"],
  include: ["name", "failed_at", "cancelled_at"],
  where: FINISHED,
};

/** Migration 6: `WHERE name = ? ORDER BY id DESC` (the dashboard's lists). */
export const NAME_ID_INDEX: IndexSpec = { suffix: "_name_id_idx", columns: ["name", "id"] };

/** Which versions ran, and when; brought to this shape before any version is read. */
export const MIGRATIONS_TABLE: TableSpec = {
  suffix: "_migrations",
  columns: [
    { name: "version", type: INT, nullable: false, primaryKey: true },
    { name: "description", type: text(255), nullable: false, default: "" },
    { name: "applied_at", type: TIME, nullable: false, default: NOW },
  ],
  indexes: [],
};

/** Migration 3: file rows (docs/files.md). */
export const FILE_TABLE: TableSpec = {
  suffix: "_file",
  columns: [
    { name: "id", type: UUID, nullable: false, primaryKey: true },
    { name: "bucket_name", type: text(255), nullable: false },
    { name: "name", type: text(1024), nullable: false },
    { name: "content_type", type: text(255), nullable: false },
    { name: "content_length", type: BIGINT, nullable: false },
    {
      name: "meta",
      type: { kind: "json", keepText: false, validated: true },
      nullable: false,
      default: "{}",
    },
    { name: "created_at", type: TIME_MS, nullable: false },
    { name: "updated_at", type: TIME_MS, nullable: false },
  ],
  indexes: [{ suffix: "_file_bucket_idx", columns: ["bucket_name", "created_at", "id"] }],
};

/** Migration 4: sessions (docs/sessions.md). */
export const SESSION_TABLE: TableSpec = {
  suffix: "_session",
  columns: [
    { name: "id", type: UUID, nullable: false, primaryKey: true },
    { name: "data", type: { kind: "json", keepText: false, validated: false }, nullable: false },
    { name: "checksum", type: { kind: "ascii", length: 64 }, nullable: false },
    { name: "revoked_at", type: TIME, nullable: true },
    { name: "created_at", type: TIME, nullable: false },
    { name: "updated_at", type: TIME, nullable: false },
  ],
  indexes: [{ suffix: "_session_created_idx", columns: ["created_at"] }],
};

/** Migration 4: a session's tokens; deleting a session or refresh token cascades. */
export const SESSION_TOKEN_TABLE: TableSpec = {
  suffix: "_session_token",
  columns: [
    { name: "id", type: UUID, nullable: false, primaryKey: true },
    { name: "session", type: UUID, nullable: false, references: { tableSuffix: "_session" } },
    { name: "expires_at", type: TIME, nullable: false },
    {
      name: "refresh_token",
      type: UUID,
      nullable: true,
      references: { tableSuffix: "_session_token" },
    },
    { name: "revoked_at", type: TIME, nullable: true },
    { name: "created_at", type: TIME, nullable: false },
  ],
  indexes: [
    { suffix: "_session_token_session_idx", columns: ["session"] },
    { suffix: "_session_token_refresh_idx", columns: ["refresh_token"] },
  ],
};
