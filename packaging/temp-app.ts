/**
 * A fresh application outside the workspace (under the OS temp dir) with the packed
 * tarballs and the database drivers installed by npm, as a user would (docs/packaging.md).
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type { PackedPackage } from "./workspace-packages.ts";

/** Types the TypeScript consumer needs beyond the packages' own peers. */
const EXTRA_DEV_PACKAGES = ["@types/node@20"];

export interface TempApp {
  dir: string;
  /** `name@version` of every third-party package installed (drivers, their types). */
  installed: string[];
}

/**
 * The lowest version a peer range allows (`^8.11.0` → `8.11.0`), so the pack test proves
 * the floor of each range while the workspace tests run the newest; a range of another
 * shape is installed as written.
 */
export function floorOfRange(range: string): string {
  const caret = /^[\^~]?(\d+\.\d+\.\d+)$/.exec(range.trim());
  return caret?.[1] ?? range;
}

/**
 * The peers of all packed packages that an application installs — the drivers and their
 * optional `@types/*` — with the version to install for each. Other optional peers
 * (vitest for `@docket/core/testing`) are left out, as most applications would.
 */
export function driverInstallSpecs(packed: PackedPackage[]): Map<string, string> {
  const publishedNames = new Set(packed.map((pkg) => pkg.name));
  const specs = new Map<string, string>();
  for (const pkg of packed) {
    const meta = pkg.manifest.peerDependenciesMeta ?? {};
    for (const [name, range] of Object.entries(pkg.manifest.peerDependencies ?? {})) {
      if (publishedNames.has(name)) continue;
      if (meta[name]?.optional === true && !name.startsWith("@types/")) continue;
      specs.set(name, floorOfRange(range));
    }
  }
  // better-sqlite3 compiles from source here (~3 minutes: no prebuilt binary is reachable).
  // To keep CI fast the app gets the workspace's version from the registry with scripts
  // off, plus the native binary the workspace already compiled for this Node (copied in
  // `createTempApp`). DOCKET_PACK_BETTER_SQLITE3=<version> installs and compiles that
  // version instead (slow), e.g. to prove the floor of the peer range.
  if (specs.has("better-sqlite3")) {
    specs.set("better-sqlite3", process.env.DOCKET_PACK_BETTER_SQLITE3 ?? workspaceSqliteVersion());
  }
  return specs;
}

function workspaceSqliteDir(): string {
  const require = createRequire(
    join(import.meta.dirname, "..", "packages", "adapter-sqlite", "package.json"),
  );
  return dirname(require.resolve("better-sqlite3/package.json"));
}

function workspaceSqliteVersion(): string {
  const manifest = readFileSync(join(workspaceSqliteDir(), "package.json"), "utf8");
  return (JSON.parse(manifest) as { version: string }).version;
}

const execFileAsync = promisify(execFile);

export async function createTempApp(dir: string, packed: PackedPackage[]): Promise<TempApp> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "docket-pack-app", private: true, type: "module" }, null, 2)}\n`,
  );
  const drivers = [...driverInstallSpecs(packed)].map(([name, version]) => `${name}@${version}`);
  const npm = async (args: string[]) => {
    const flags = ["--no-audit", "--no-fund", "--loglevel=error"];
    const { stderr } = await execFileAsync("npm", [...args, ...flags], { cwd: dir });
    process.stderr.write(stderr);
  };
  // Scripts off: Docket's packages have none, and better-sqlite3's would compile (above).
  await npm([
    "install",
    "--ignore-scripts",
    ...packed.map((pkg) => pkg.tarball),
    ...drivers,
    ...EXTRA_DEV_PACKAGES,
  ]);
  if (drivers.some((spec) => spec.startsWith("better-sqlite3@"))) {
    if (process.env.DOCKET_PACK_BETTER_SQLITE3 === undefined) {
      const binary = join("build", "Release", "better_sqlite3.node");
      const target = join(dir, "node_modules", "better-sqlite3", binary);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(join(workspaceSqliteDir(), binary), target);
    } else {
      await npm(["rebuild", "better-sqlite3"]);
    }
  }
  return { dir, installed: [...drivers, ...EXTRA_DEV_PACKAGES] };
}
