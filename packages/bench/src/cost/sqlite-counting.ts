import { createRequire } from "node:module";

/**
 * SQLite for the cost model: better-sqlite3 runs in-process, so there are no round trips,
 * only statements. Wraps every execution of a prepared statement and `Database#exec`, and
 * reports each statement's text. better-sqlite3 runs its transactions' `BEGIN IMMEDIATE`,
 * `COMMIT` and savepoints as prepared statements too, so they are counted (and classified
 * as begin / commit) like the rest. Loaded through the adapter's own resolution so the
 * wrapped copy is the one the adapter uses.
 */

type Method = (this: unknown, ...args: unknown[]) => unknown;

interface SqliteModule {
  new (filename: string): { prepare(source: string): object; close(): void };
  prototype: Record<string, Method>;
}

export function wrapSqlite(onStatement: (text: string) => void): void {
  const require = createRequire(import.meta.url);
  const adapterRequire = createRequire(require.resolve("@docket/adapter-sqlite"));
  const Database = adapterRequire("better-sqlite3") as SqliteModule;
  const probe = new Database(":memory:");
  const statement = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<string, Method>;
  probe.close();
  for (const name of ["run", "all", "get", "iterate"]) {
    const original = statement[name]!;
    statement[name] = function (this: unknown, ...args: unknown[]) {
      onStatement((this as { source: string }).source);
      return original.apply(this, args);
    };
  }
  const exec = Database.prototype.exec!;
  Database.prototype.exec = function (this: unknown, source: unknown) {
    onStatement(String(source));
    return exec.call(this, source);
  };
}
