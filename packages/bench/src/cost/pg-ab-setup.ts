/**
 * What the Postgres A/B cost tools (`pg-adapter-cpu.ts`, `pg-worker-ab.ts`) share: their
 * command-line flags, the database URL, a full GC before each measured drain (so a fill's
 * garbage is not charged to the drain) and the median.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const args = process.argv.slice(2);

/** The value after `--name`, or `fallback`. */
export function flag(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
}

/** Whether `--name` was given. */
export const hasFlag = (name: string) => args.includes(`--${name}`);

export const postgresUrl =
  process.env.DOCKET_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

setFlagsFromString("--expose-gc");
export const collectGarbage = runInNewContext("gc") as () => void;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
