import { resolve as resolvePath } from "node:path";
import { DocketError } from "@docket/core";
import Database from "better-sqlite3";
import { isBusyError, toDocketError } from "./sqlite-errors.ts";
import type { ResolvedSqliteOptions } from "./sqlite-options.ts";
import { PositionalStatement, toPositional } from "./sqlite-positional.ts";
import {
  SET_FOREIGN_KEYS_ON,
  SET_JOURNAL_MODE_WAL,
  SET_SYNCHRONOUS_NORMAL,
  SET_WAL_AUTOCHECKPOINT,
  setBusyTimeout,
} from "./sqlite-sql.ts";

/** Connection-level helpers: opening, the prepared-statement cache, busy retries. */

export type SqliteDatabase = Database.Database;

/** Attempts after the first when a statement still fails with SQLITE_BUSY*. */
const BUSY_RETRIES = 5;

/** 10–40 ms, growing per attempt, randomized so competing processes do not retry in step. */
function busyBackoffMs(attempt: number): number {
  return (attempt + 1) * (10 + Math.random() * 30);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Blocks the thread: only used while opening, where the constructor is synchronous. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isMemoryDatabase(db: SqliteDatabase): boolean {
  return db.memory || db.name === "" || db.name === ":memory:";
}

/** A pragma that may meet another process's lock while the file is being set up. */
function pragmaWithRetry(db: SqliteDatabase, source: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      db.pragma(source);
      return;
    } catch (error) {
      if (!isBusyError(error) || attempt >= BUSY_RETRIES) throw error;
      sleepSync(busyBackoffMs(attempt));
    }
  }
}

/** Opens (or adopts) the database and applies the pragmas the adapter relies on. */
export function openDatabase(options: ResolvedSqliteOptions): {
  db: SqliteDatabase;
  ownsDatabase: boolean;
} {
  if (options.source.kind === "database") {
    const db = options.source.database;
    try {
      if (options.busyTimeoutGiven) db.pragma(setBusyTimeout(options.busyTimeoutMs));
      // WAL lets readers and the one writer proceed side by side. It cannot be switched
      // inside a transaction or on a read-only handle; then the application's choice stays.
      if (!isMemoryDatabase(db) && !db.readonly && !db.inTransaction) {
        pragmaWithRetry(db, SET_JOURNAL_MODE_WAL);
      }
    } catch (error) {
      throw toDocketError(error, "configure database");
    }
    return { db, ownsDatabase: false };
  }
  let db: SqliteDatabase;
  try {
    db = new Database(options.source.filename, { timeout: options.busyTimeoutMs });
  } catch (error) {
    const mapped = toDocketError(error, `open ${options.source.filename}`);
    throw mapped.code === "database_error" && /unable to open|directory/i.test(mapped.message)
      ? new DocketError("connection_error", mapped.message, { cause: error, retryable: true })
      : mapped;
  }
  try {
    // busy_timeout first, so the WAL switch waits for a concurrent opener instead of failing.
    db.pragma(setBusyTimeout(options.busyTimeoutMs));
    if (!isMemoryDatabase(db)) pragmaWithRetry(db, SET_JOURNAL_MODE_WAL);
    // NORMAL is durable across application crashes in WAL mode; only a power loss may
    // lose the last commits, which the lease model tolerates (jobs run again).
    pragmaWithRetry(db, SET_SYNCHRONOUS_NORMAL);
    // Fewer checkpoints, so fewer fsyncs per job (see WAL_AUTOCHECKPOINT_FRAMES).
    db.pragma(SET_WAL_AUTOCHECKPOINT);
    // The session store's cascades (a session's tokens, a refresh token's access token)
    // need it; the job table has no foreign keys, so nothing else changes. An adopted
    // database keeps the application's setting (docs/sessions.md).
    db.pragma(SET_FOREIGN_KEYS_ON);
  } catch (error) {
    db.close();
    throw toDocketError(error, "configure database");
  }
  return { db, ownsDatabase: true };
}

let memoryCounter = 0;
const memoryKeys = new WeakMap<SqliteDatabase, string>();

/** `sqlite:<absolute filename>#<table>`; in-memory databases get a per-handle key. */
export function queueKeyOf(db: SqliteDatabase, table: string): string {
  let location: string;
  if (isMemoryDatabase(db)) {
    location = memoryKeys.get(db) ?? `:memory:${++memoryCounter}`;
    memoryKeys.set(db, location);
  } else {
    location = resolvePath(db.name);
  }
  return `sqlite:${location}#${table}`;
}

type AnyStatement = Database.Statement<unknown[], unknown>;

/**
 * Prepared statements, per database handle and SQL text. Prepared lazily (the table may
 * not exist before `migrate()`), then reused for the life of the handle. Reading
 * statements are pinned to `safeIntegers(false)`: ids are JS numbers even if the
 * application enabled safe integers on its database.
 */
const statementCache = new WeakMap<SqliteDatabase, Map<string, AnyStatement>>();

/** The cache of `db` in `caches`, created on first use. */
function cacheOf<T>(
  caches: WeakMap<SqliteDatabase, Map<string, T>>,
  db: SqliteDatabase,
): Map<string, T> {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = new Map();
    caches.set(db, cache);
  }
  return cache;
}

export function prepared<Row = unknown>(
  db: SqliteDatabase,
  source: string,
): Database.Statement<unknown[], Row> {
  const cache = cacheOf(statementCache, db);
  let statement = cache.get(source);
  if (statement === undefined) {
    statement = db.prepare(source);
    statement.safeIntegers(false);
    cache.set(source, statement);
  }
  return statement as Database.Statement<unknown[], Row>;
}

/** The per-job statements, per handle and named-parameter text (see `PositionalStatement`). */
const positionalCache = new WeakMap<SqliteDatabase, Map<string, PositionalStatement<unknown>>>();

/**
 * `prepared` for a statement run with its parameters bound by position. With `arrayRows`
 * each row is an array of the column values in the statement's column order. Why: for an
 * object row better-sqlite3 interns every column name and sets each property through V8's
 * generic path, on every row — for the lease's 17 columns ~6 % of the claim loop's CPU in
 * a `perf` profile; an array row is one allocation, and the adapter turns it into an
 * object literal of a fixed shape. A text is always prepared with the same `arrayRows`.
 */
export function preparedPositional<Row = unknown>(
  db: SqliteDatabase,
  source: string,
  arrayRows: boolean,
): PositionalStatement<Row> {
  const cache = cacheOf(positionalCache, db);
  let statement = cache.get(source);
  if (statement === undefined) {
    const { text, names } = toPositional(source);
    const compiled = db.prepare(text);
    compiled.safeIntegers(false);
    if (arrayRows) compiled.raw(true);
    statement = new PositionalStatement(compiled, names);
    cache.set(source, statement);
  }
  return statement as PositionalStatement<Row>;
}

type Work = () => unknown;
const immediateCache = new WeakMap<SqliteDatabase, Database.Transaction<(work: Work) => unknown>>();

/**
 * Runs `work` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so
 * two processes never deadlock upgrading a read lock (SQLITE_BUSY_SNAPSHOT). Inside an
 * open transaction (the caller's, or a handler's) better-sqlite3 uses a savepoint
 * instead, so the work joins it and stays atomic.
 */
export function inImmediateTransaction<T>(db: SqliteDatabase, work: () => T): T {
  let transaction = immediateCache.get(db);
  if (transaction === undefined) {
    transaction = db.transaction((fn: Work) => fn());
    immediateCache.set(db, transaction);
  }
  return transaction.immediate(work) as T;
}

/**
 * Runs one atomic operation synchronously (so an enqueue lands inside a caller's
 * synchronous `db.transaction`), and retries it after a short randomized backoff when it
 * still fails with SQLITE_BUSY* past `busy_timeout`. Inside a caller's transaction a
 * retry cannot help (the whole transaction must restart), so the error goes to the
 * caller, mapped and marked retryable. `blockedBy` returns a promise to wait for while
 * the adapter's gate is closed, null when the work may run (checked synchronously right
 * before each retry, so no transaction can open in between).
 */
export function runWithBusyRetry<T>(
  db: SqliteDatabase,
  action: string,
  work: () => T,
  blockedBy: () => Promise<void> | null,
): Promise<T> {
  const inCallerTransaction = db.inTransaction;
  try {
    return Promise.resolve(work());
  } catch (error) {
    if (inCallerTransaction || !isBusyError(error)) {
      return Promise.reject(toDocketError(error, action));
    }
    return retryBusy(action, work, error, blockedBy);
  }
}

async function retryBusy<T>(
  action: string,
  work: () => T,
  firstError: unknown,
  blockedBy: () => Promise<void> | null,
): Promise<T> {
  let lastError = firstError;
  for (let attempt = 0; attempt < BUSY_RETRIES; attempt++) {
    await sleep(busyBackoffMs(attempt));
    for (let wait = blockedBy(); wait !== null; wait = blockedBy()) await wait;
    try {
      return work();
    } catch (error) {
      if (!isBusyError(error)) throw toDocketError(error, action);
      lastError = error;
    }
  }
  throw new DocketError(
    "database_error",
    `sqlite: ${action}: the database stayed locked by another connection after ${BUSY_RETRIES} retries`,
    { retryable: true, cause: lastError },
  );
}

/** `BEGIN IMMEDIATE` for a handler transaction, with the same busy retries. */
export async function beginImmediate(db: SqliteDatabase, begin: string): Promise<void> {
  await runWithBusyRetry(
    db,
    "begin transaction",
    () => db.exec(begin),
    () => null,
  );
}
