import { DocketError } from "@docket/core";
import { closedAdapterError } from "@docket/core/adapter";
import type {
  Connection,
  Pool,
  PoolConnection,
  QueryOptions,
  QueryResult,
  ResultSetHeader,
  RowDataPacket,
  TypeCast,
} from "mysql2/promise";
import {
  isConnectionError,
  isTransientError,
  toDocketError,
  wasNeverSent,
} from "./mysql-errors.ts";
import { toNumber } from "./mysql-rows.ts";
import { getLock, releaseLock } from "./mysql-sql.ts";

/**
 * How the adapter talks to mysql2: one place for statement options, transactions and
 * retries, so the adapter itself only says *what* to run.
 *
 * Statements use `execute` (server-side prepared statements, cached per connection by
 * mysql2): values travel in the binary protocol, never through client-side escaping,
 * so a session with `NO_BACKSLASH_ESCAPES` cannot turn a value into SQL. IN-lists are
 * padded to power-of-two lengths (`padToBucket`) so that the number of distinct
 * statements stays small (the server caps prepared statements globally,
 * `max_prepared_stmt_count`, 16382 by default); multi-row inserts, which cannot be padded,
 * are unprepared after use.
 */

/** A pool or a connection: both run statements. */
export type Queryable = Pick<Connection, "execute" | "query">;

/**
 * How a statement travels: `prepared` (COM_STMT_EXECUTE, values as binary parameters),
 * or `text` (COM_QUERY) for a statement without values whose prepared execution is slow:
 * the priorities probe (see `selectPriorities`).
 */
export type Protocol = "prepared" | "text";
/** What `withTransaction` accepts: a mysql2 promise connection (pooled or not). */
export type MysqlConnection = Connection | PoolConnection;

/**
 * Per-statement result options, overriding whatever the (possibly caller-owned) pool was
 * configured with: DATETIME as text (parsed as UTC in `mysql-rows.ts`, independent of
 * the pool's `timezone` and the session `time_zone`), BIGINT/DECIMAL as exact strings,
 * plain object rows, and no custom `typeCast` of the caller's (ours defers to mysql2's
 * default decoding with the options above).
 */
const passThroughTypeCast: TypeCast = (_field, next) => next();
export const RESULT_OPTIONS = {
  dateStrings: true,
  supportBigNumbers: true,
  bigNumberStrings: true,
  rowsAsArray: false,
  nestTables: false,
  namedPlaceholders: false,
  typeCast: passThroughTypeCast,
} as const;

/**
 * Connection settings of the pools the adapter creates. `trace: false`: mysql2's promise
 * API otherwise captures a stack trace on every statement (`Error.captureStackTrace`),
 * only to graft it onto a failing statement's error; every error of ours is rethrown as
 * a `DocketError` whose own stack shows the adapter call, with mysql2's error as `cause`.
 */
export const OWN_POOL_SETTINGS = {
  charset: "utf8mb4",
  // Stale idle connections (server restart, wait_timeout) are noticed early.
  enableKeepAlive: true,
  trace: false,
} as const;

/**
 * The claim pool's settings (see `KeptTransactionConnection`). Its connections run only
 * the claim's commands, never the application's, so `RESULT_OPTIONS`' decoding is the
 * pool's own there and a claim sends its command as a plain string. Per-statement
 * options cost Node CPU on every command: mysql2 copies them into the command and merges
 * them over the connection's ~60 settings, and a `typeCast` function, even one that only
 * calls `next()`, makes it build a wrapper object with three closures per column for
 * every result set and call through a fresh closure per value. Without one, mysql2's
 * default decoding with these options gives the same values (round 6,
 * `packages/bench/results/round6-mysql-cpu.md`).
 */
export const CLAIM_POOL_SETTINGS = {
  ...OWN_POOL_SETTINGS,
  multipleStatements: true,
  dateStrings: RESULT_OPTIONS.dateStrings,
  supportBigNumbers: RESULT_OPTIONS.supportBigNumbers,
  bigNumberStrings: RESULT_OPTIONS.bigNumberStrings,
} as const;

function statementOptions(sql: string, values: readonly unknown[]): QueryOptions {
  return { ...RESULT_OPTIONS, sql, values: values as unknown[] } as QueryOptions;
}

/** Runs one statement and returns its rows (SELECT) or header (writes). */
export async function run<T extends QueryResult>(
  target: Queryable,
  sql: string,
  values: readonly unknown[],
  protocol: Protocol = "prepared",
): Promise<T> {
  if (protocol === "text") {
    if (values.length > 0)
      throw new DocketError("database_error", "a text statement has no values");
    const [result] = await target.query<T>({ ...RESULT_OPTIONS, sql } as QueryOptions);
    return result;
  }
  const [result] = await target.execute<T>(statementOptions(sql, values));
  return result;
}

export async function selectRows<T>(
  target: Queryable,
  sql: string,
  values: readonly unknown[],
): Promise<T[]> {
  return (await run<RowDataPacket[]>(target, sql, values)) as unknown as T[];
}

export async function write(
  target: Queryable,
  sql: string,
  values: readonly unknown[],
): Promise<ResultSetHeader> {
  return run<ResultSetHeader>(target, sql, values);
}

/**
 * Runs a statement whose text is used once (a multi-row insert of some length) and
 * drops its server-side prepared statement afterwards.
 */
export async function writeOnce(
  connection: MysqlConnection,
  sql: string,
  values: readonly unknown[],
): Promise<ResultSetHeader> {
  const options = statementOptions(sql, values);
  try {
    const [result] = await connection.execute<ResultSetHeader>(options);
    return result;
  } finally {
    // COM_STMT_CLOSE has no reply: this costs no round trip.
    try {
      connection.unprepare(options);
    } catch {
      // The connection is gone; so is the statement.
    }
  }
}

/** Pads a non-empty list to the next power of two by repeating its last item (harmless in IN-lists). */
export function padToBucket<T>(items: readonly T[]): T[] {
  let size = 1;
  while (size < items.length) size *= 2;
  const padded = items.slice();
  const last = items[items.length - 1] as T;
  while (padded.length < size) padded.push(last);
  return padded;
}

/** Attempts for work that hit a deadlock (1213) or lock wait timeout (1205). */
export const TRANSIENT_ATTEMPTS = 5;

function backoffMs(attempt: number): number {
  // 10, 20, 40, 80 ms ceilings, full jitter: deadlocked peers rarely collide twice.
  return Math.random() * 10 * 2 ** (attempt - 1) + 1;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface RetryPolicy {
  /**
   * True when running the work again after a lost connection cannot apply it twice:
   * reads, idempotent writes, and transactions that had not sent COMMIT (an unfinished
   * transaction is rolled back by the server when its connection drops).
   */
  replayable: boolean;
}

/**
 * Runs `work`, retrying deadlocks and lock wait timeouts with jittered backoff, and a
 * lost connection once (only when `replayable`, or when the command never left the
 * client). Errors that remain are mapped to `DocketError`.
 */
export async function withRetries<T>(
  action: string,
  work: () => Promise<T>,
  isReplayable: (error: unknown) => boolean,
): Promise<T> {
  let connectionRetried = false;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (isTransientError(error) && attempt < TRANSIENT_ATTEMPTS) {
        await sleep(backoffMs(attempt));
        continue;
      }
      if (
        !connectionRetried &&
        isConnectionError(error) &&
        (wasNeverSent(error) || isReplayable(error))
      ) {
        // Typically a pooled connection that the server closed (restart, KILL,
        // wait_timeout) and the pool had not noticed yet: one more try gets a fresh one.
        connectionRetried = true;
        continue;
      }
      throw toDocketError(error, action);
    }
  }
}

/** Marks an error raised while COMMIT was in flight: its outcome is unknown. */
class CommitError extends Error {
  constructor(readonly original: unknown) {
    super("commit failed");
  }
}

/**
 * Runs a transaction attempt, retrying deadlocks, lock wait timeouts and a lost
 * connection before COMMIT was sent (the server rolled the transaction back).
 */
function retriedTransaction<T>(action: string, attempt: () => Promise<T>): Promise<T> {
  return withRetries(action, attempt, (error) => !(error instanceof CommitError)).catch(
    (error: unknown) => {
      throw error instanceof CommitError ? toDocketError(error.original, action) : error;
    },
  );
}

/**
 * Runs `work` in the transaction open on `connection`, then commits; rolls back when
 * `work` fails. `health.healthy` turns false when the connection's state is unknown.
 */
async function workThenCommit<T>(
  connection: MysqlConnection,
  work: (connection: MysqlConnection) => Promise<T>,
  health: { healthy: boolean },
): Promise<T> {
  let result: T;
  try {
    result = await work(connection);
  } catch (error) {
    health.healthy = await rollback(connection);
    throw error;
  }
  try {
    await connection.query("COMMIT");
  } catch (error) {
    health.healthy = false;
    // A deadlock cannot surface at COMMIT in InnoDB; anything here leaves the
    // outcome unknown, so it must not be replayed.
    throw isConnectionError(error) ? new CommitError(error) : error;
  }
  return result;
}

/**
 * Where an adapter runs its work: on its pool (own transactions, retries), or on a
 * connection the application owns and already put in a transaction (no BEGIN/COMMIT of
 * ours, no retries — a deadlock rolls back the caller's whole transaction, so only the
 * caller can retry).
 */
export class MysqlExecutor {
  constructor(
    readonly pool: Pool,
    readonly state: { closed: boolean },
    readonly boundConnection: MysqlConnection | null = null,
  ) {}

  private check(): void {
    if (this.state.closed) throw closedAdapterError("mysql");
  }

  /** A single statement on the pool (or the bound connection). */
  async statement<T extends QueryResult>(
    action: string,
    sql: string,
    values: readonly unknown[],
    policy: RetryPolicy,
    protocol: Protocol = "prepared",
  ): Promise<T> {
    this.check();
    const target: Queryable = this.boundConnection ?? this.pool;
    if (this.boundConnection !== null) {
      try {
        return await run<T>(target, sql, values, protocol);
      } catch (error) {
        throw toDocketError(error, action);
      }
    }
    return withRetries(
      action,
      () => run<T>(target, sql, values, protocol),
      () => policy.replayable,
    );
  }

  /**
   * Runs `work` atomically: in a transaction of the adapter's own (BEGIN, work, COMMIT on
   * one pooled connection; the whole transaction is retried on deadlock), or directly
   * on the bound connection inside the caller's transaction.
   */
  async unitOfWork<T>(
    action: string,
    work: (connection: MysqlConnection) => Promise<T>,
  ): Promise<T> {
    this.check();
    if (this.boundConnection !== null) return this.onBoundConnection(action, work);
    return retriedTransaction(action, () => this.ownTransaction(work));
  }

  /** Runs `work` on the caller's connection: no transaction, retry or release of ours. */
  private async onBoundConnection<T>(
    action: string,
    work: (connection: MysqlConnection) => Promise<T>,
  ): Promise<T> {
    try {
      return await work(this.boundConnection!);
    } catch (error) {
      throw toDocketError(error, action);
    }
  }

  private async ownTransaction<T>(work: (connection: MysqlConnection) => Promise<T>): Promise<T> {
    const connection = await this.pool.getConnection();
    const health = { healthy: true };
    try {
      await connection.query("START TRANSACTION");
      return await workThenCommit(connection, work, health);
    } catch (error) {
      if (isConnectionError(error)) health.healthy = false;
      throw error;
    } finally {
      release(connection, health.healthy);
    }
  }

  /**
   * One pooled connection for work that is not (only) a transaction of ours: a named
   * lock around DDL or a transaction, or a multi-row insert whose prepared statement
   * must be dropped on the same connection. On an adapter bound to the caller's
   * connection, runs on that connection.
   */
  async withConnection<T>(
    action: string,
    work: (connection: MysqlConnection) => Promise<T>,
    policy: RetryPolicy,
  ): Promise<T> {
    this.check();
    if (this.boundConnection !== null) return this.onBoundConnection(action, work);
    return withRetries(
      action,
      async () => {
        const connection = await this.pool.getConnection();
        let healthy = true;
        try {
          return await work(connection);
        } catch (error) {
          if (isConnectionError(error)) healthy = false;
          throw error;
        } finally {
          release(connection, healthy);
        }
      },
      () => policy.replayable,
    );
  }
}

/**
 * A transaction on a connection the caller holds (e.g. under GET_LOCK), retried on
 * deadlock and lock wait timeout. Not for connections bound to the application.
 */
export async function transactionOn<T>(
  connection: MysqlConnection,
  work: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await connection.query("START TRANSACTION");
    try {
      const result = await work();
      await connection.query("COMMIT");
      return result;
    } catch (error) {
      await rollback(connection);
      if (isTransientError(error) && attempt < TRANSIENT_ATTEMPTS) {
        await sleep(backoffMs(attempt));
        continue;
      }
      throw error;
    }
  }
}

/** Connections that must not go back to the pool (e.g. a named lock might still be held). */
const unfit = new WeakSet<object>();
export function markUnfit(connection: MysqlConnection): void {
  unfit.add(connection);
}

/** Rolls back; reports whether the connection is still fit to go back to the pool. */
export async function rollback(connection: MysqlConnection): Promise<boolean> {
  try {
    await connection.query("ROLLBACK");
    return true;
  } catch {
    return false;
  }
}

/** Returns a connection to its pool, or destroys it when its state is unknown. */
export function release(connection: MysqlConnection, healthy: boolean): void {
  const pooled = connection as Partial<PoolConnection>;
  if (!healthy || unfit.has(connection)) {
    connection.destroy();
    return;
  }
  pooled.release?.();
}

/** Seconds `migrate()` and `syncCron()` wait for the named lock before giving up (retryable). */
export const LOCK_TIMEOUT_SECONDS = 60;

/**
 * Runs `work` holding the table's named lock (`GET_LOCK`, session-scoped) and releases
 * it on every path. If the release itself fails, the connection is not returned to the
 * pool: the lock ends with its session.
 */
export async function withNamedLock<T>(
  connection: MysqlConnection,
  table: string,
  work: () => Promise<T>,
): Promise<T> {
  const [lock] = await selectRows<{ acquired: number | string | null }>(connection, getLock, [
    table,
    LOCK_TIMEOUT_SECONDS,
  ]);
  if (lock === undefined || toNumber(lock.acquired) !== 1) {
    throw new DocketError(
      "database_error",
      `timed out after ${LOCK_TIMEOUT_SECONDS}s waiting for the lock of table ${table} (GET_LOCK)`,
      { retryable: true },
    );
  }
  try {
    return await work();
  } finally {
    try {
      await selectRows(connection, releaseLock, [table]);
    } catch {
      markUnfit(connection);
    }
  }
}

/**
 * What a claim's work hands back: its result, and the statement text to send in the same
 * round trip as COMMIT (`text; COMMIT`), or null for COMMIT alone.
 */
export interface WorkBeforeCommit<T> {
  result: T;
  beforeCommit: string | null;
}

/**
 * Transactions without a START TRANSACTION round trip, for the claim: on MariaDB a
 * claim costs what its sequential round trips cost. One connection of the adapter's
 * claim pool (created with `multipleStatements`, see `createAdapterFromOptions`) stays
 * out of that pool between claims with `autocommit = 0`, so its first statement opens a
 * transaction implicitly and COMMIT (or ROLLBACK) ends it, sent together with the claim's
 * last statement: SELECT … FOR UPDATE, then UPDATE + COMMIT in one round trip. No
 * transaction stays open between claims. A claim that runs while the kept connection is
 * busy borrows another one the same way and returns it with autocommit restored, and so
 * does the kept one as soon as anything waits for a connection of that pool (its
 * `enqueue` event). Only for a pool the adapter created: the application's pool stays the
 * application's.
 */
export class KeptTransactionConnection {
  private kept: PoolConnection | null = null;

  constructor(
    readonly pool: Pool,
    private readonly state: { closed: boolean },
  ) {
    pool.on("enqueue", () => {
      const idle = this.kept;
      this.kept = null;
      if (idle !== null) this.restore(idle);
    });
  }

  /** Runs `work` and commits, with the retries of `MysqlExecutor.unitOfWork`. */
  async transaction<T>(
    action: string,
    work: (connection: MysqlConnection) => Promise<WorkBeforeCommit<T>>,
  ): Promise<T> {
    if (this.state.closed) throw closedAdapterError("mysql");
    return retriedTransaction(action, () => this.attempt(work));
  }

  private async attempt<T>(
    work: (connection: MysqlConnection) => Promise<WorkBeforeCommit<T>>,
  ): Promise<T> {
    const connection = this.kept ?? (await this.open());
    this.kept = null;
    let healthy = true;
    try {
      return await workThenCommitWith(connection, work);
    } catch (error) {
      if (isConnectionError(error) || error instanceof CommitError) healthy = false;
      else healthy = await rollback(connection);
      throw error;
    } finally {
      this.putBack(connection, healthy);
    }
  }

  private async open(): Promise<PoolConnection> {
    const connection = await this.pool.getConnection();
    try {
      await connection.query("SET autocommit = 0");
    } catch (error) {
      release(connection, false);
      throw error;
    }
    return connection;
  }

  private putBack(connection: PoolConnection, healthy: boolean): void {
    if (!healthy) {
      release(connection, false);
    } else if (this.kept === null && !this.state.closed) {
      this.kept = connection;
    } else {
      this.restore(connection);
    }
  }

  /** Off the claim's critical path: the pool gets the connection back as it lent it. */
  private restore(connection: PoolConnection): void {
    connection.query("SET autocommit = 1").then(
      () => release(connection, true),
      () => release(connection, false),
    );
  }
}

/**
 * Runs `work` in the implicit transaction of an autocommit-off connection, then sends its
 * last statement and COMMIT as one multi-statement command. When that command fails on a
 * statement before COMMIT, the server stops there and the transaction is still open (the
 * caller rolls back); a lost connection leaves the outcome unknown (`CommitError`).
 */
async function workThenCommitWith<T>(
  connection: MysqlConnection,
  work: (connection: MysqlConnection) => Promise<WorkBeforeCommit<T>>,
): Promise<T> {
  const { result, beforeCommit } = await work(connection);
  try {
    await connection.query(beforeCommit === null ? "COMMIT" : `${beforeCommit}; COMMIT`);
  } catch (error) {
    throw isConnectionError(error) ? new CommitError(error) : error;
  }
  return result;
}
