import { createRequire } from "node:module";

/**
 * SQLite for the cost model: better-sqlite3 runs in-process, so there are no round trips,
 * only statements. Wraps every execution of a prepared statement and `Database#exec`, and
 * reports each statement's text. better-sqlite3 runs its transactions' `BEGIN IMMEDIATE`,
 * `COMMIT` and savepoints as prepared statements too, so they are counted (and classified
 * as begin / commit) like the rest. Loaded through the adapter's own resolution so the
 * wrapped copy is the one the adapter uses. Each statement is timed (it runs synchronously).
 */

type Method = (this: unknown, ...args: unknown[]) => unknown;

interface SqliteModule {
  new (filename: string): { prepare(source: string): object; close(): void };
  prototype: Record<string, Method>;
}

export function wrapSqlite(onStatement: (text: string, at: number, done: number) => void): void {
  const require = createRequire(import.meta.url);
  const adapterRequire = createRequire(require.resolve("@docket/adapter-sqlite"));
  const Database = adapterRequire("better-sqlite3") as SqliteModule;
  const probe = new Database(":memory:");
  const statement = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<string, Method>;
  probe.close();
  for (const name of ["run", "all", "get", "iterate"]) {
    const original = statement[name]!;
    statement[name] = function (this: unknown, ...args: unknown[]) {
      const at = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        onStatement((this as { source: string }).source, at, performance.now());
      }
    };
  }
  const exec = Database.prototype.exec!;
  Database.prototype.exec = function (this: unknown, source: unknown) {
    const at = performance.now();
    try {
      return exec.call(this, source);
    } finally {
      onStatement(String(source), at, performance.now());
    }
  };
}
