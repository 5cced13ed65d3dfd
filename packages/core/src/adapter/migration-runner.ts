import {
  SCHEMA_MIGRATIONS,
  type SchemaMigration,
  type SchemaOperation,
} from "./schema-migrations.ts";
import { MIGRATIONS_TABLE } from "./schema-tables.ts";

/**
 * A value now, or later. SQLite's driver is synchronous and its migration must run inside
 * one synchronous `BEGIN IMMEDIATE` transaction, so the runner stays synchronous as long as
 * every hook answers synchronously; the network adapters answer with promises.
 */
export type MaybePromise<T> = T | Promise<T>;

/** What an adapter supplies to the shared runner: its database, nothing else. */
export interface MigrationDialect {
  /**
   * Runs `work` while holding the migration lock (Postgres advisory lock, MySQL
   * `GET_LOCK`, SQLite `BEGIN IMMEDIATE`). Where DDL is transactional (Postgres, SQLite)
   * `work` also runs inside one transaction, so a failed run leaves nothing behind; where
   * it is not (MySQL commits each DDL statement), every operation being check-then-apply
   * lets the next run finish an interrupted one.
   */
  withLock(work: () => MaybePromise<void>): MaybePromise<void>;
  /** The statements of one operation (no parameters). */
  render(operation: SchemaOperation): readonly string[];
  execute(statement: string): MaybePromise<void>;
  /** Whether the catalog already shows the operation's effect (check-then-apply). */
  isApplied(operation: SchemaOperation): MaybePromise<boolean>;
  appliedVersions(): MaybePromise<readonly number[]>;
  /** Records a version as applied; a version recorded already is left as it is. */
  record(migration: SchemaMigration): MaybePromise<void>;
}

function then<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** Runs `step` on each item in order; synchronous while every step is. */
function eachInOrder<T>(
  items: readonly T[],
  step: (item: T) => MaybePromise<void>,
  from = 0,
): MaybePromise<void> {
  for (let i = from; i < items.length; i++) {
    const result = step(items[i] as T);
    if (result instanceof Promise) return result.then(() => eachInOrder(items, step, i + 1));
  }
}

/** Applies an operation unless the catalog shows it applied already. */
function applyOperation(dialect: MigrationDialect, operation: SchemaOperation): MaybePromise<void> {
  return then(dialect.isApplied(operation), (applied) =>
    applied ? undefined : eachInOrder(dialect.render(operation), (s) => dialect.execute(s)),
  );
}

/**
 * The migrations table itself is brought to its described shape first: recording a version
 * needs its columns, so they cannot wait for a numbered migration (releases before
 * migration 7 created it without `description` on Postgres and SQLite).
 */
function ensureMigrationsTable(dialect: MigrationDialect): MaybePromise<void> {
  const table: SchemaOperation = { kind: "createTable", table: MIGRATIONS_TABLE };
  return then(applyOperation(dialect, table), () =>
    eachInOrder(MIGRATIONS_TABLE.columns, (column) =>
      applyOperation(dialect, { kind: "addColumn", tableSuffix: MIGRATIONS_TABLE.suffix, column }),
    ),
  );
}

/**
 * Brings a queue's tables to the newest version: under the adapter's lock, ensures the
 * migrations table, reads the applied versions, applies the missing migrations in order
 * and records each after its operations. Concurrent callers run one after the other; the
 * later ones find nothing to do.
 */
export function runMigrations(
  dialect: MigrationDialect,
  migrations: readonly SchemaMigration[] = SCHEMA_MIGRATIONS,
): MaybePromise<void> {
  return dialect.withLock(() =>
    then(ensureMigrationsTable(dialect), () =>
      then(dialect.appliedVersions(), (versions) => {
        const applied = new Set(versions.map(Number));
        const missing = migrations.filter((migration) => !applied.has(migration.version));
        return eachInOrder(missing, (migration) =>
          then(
            eachInOrder(migration.operations, (op) => applyOperation(dialect, op)),
            () => dialect.record(migration),
          ),
        );
      }),
    ),
  );
}
