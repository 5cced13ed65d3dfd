/**
 * The publishable workspace packages and their tarballs, found rather than listed, so a
 * new package is linted, packed and installed by the pack test as soon as it exists and
 * is not `private` (docs/packaging.md).
 */
import { execFile, execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const WORKSPACE_ROOT = resolve(import.meta.dirname, "..");

export interface WorkspacePackage {
  name: string;
  version: string;
  /** Absolute path of the package directory. */
  dir: string;
  manifest: PackageManifest;
}

export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  publishConfig?: { exports?: Record<string, unknown> };
}

export interface PackedPackage extends WorkspacePackage {
  /** Absolute path of the `.tgz` written by `pnpm pack`. */
  tarball: string;
  bytes: number;
  fileCount: number;
}

interface PnpmProject {
  name?: string;
  path: string;
  private?: boolean;
}

/** Every workspace package that is not `private`, in the order pnpm lists them. */
export function publishablePackages(): WorkspacePackage[] {
  const projects = JSON.parse(
    execFileSync("pnpm", ["ls", "-r", "--depth", "-1", "--json"], {
      cwd: WORKSPACE_ROOT,
      encoding: "utf8",
    }),
  ) as PnpmProject[];
  const result: WorkspacePackage[] = [];
  for (const project of projects) {
    if (project.path === WORKSPACE_ROOT) continue;
    const manifest = JSON.parse(
      readFileSync(join(project.path, "package.json"), "utf8"),
    ) as PackageManifest;
    if (manifest.private === true) continue;
    result.push({ name: manifest.name, version: manifest.version, dir: project.path, manifest });
  }
  return result;
}

/**
 * Runs `pnpm build` at the root (incremental `tsc -b`: quick when dist is current).
 * Asynchronous, like everything here that takes a while, so a vitest worker stays
 * responsive to its runner meanwhile.
 */
export async function buildWorkspace(): Promise<void> {
  const { stdout, stderr } = await execFileAsync("pnpm", ["build"], { cwd: WORKSPACE_ROOT });
  process.stdout.write(stdout);
  process.stderr.write(stderr);
}

/**
 * `pnpm pack`s each package into `destination`. pnpm (not npm) must pack: it applies
 * `publishConfig.exports` and turns `workspace:^` into a real range, exactly as
 * `pnpm publish` / `changeset publish` will.
 */
export async function packPackages(
  packages: WorkspacePackage[],
  destination: string,
): Promise<PackedPackage[]> {
  const result: PackedPackage[] = [];
  for (const pkg of packages) {
    const { stdout } = await execFileAsync(
      "pnpm",
      ["pack", "--json", "--pack-destination", destination],
      { cwd: pkg.dir },
    );
    const packed = JSON.parse(stdout) as { filename: string; files: unknown[] };
    const tarball = resolve(destination, packed.filename);
    result.push({ ...pkg, tarball, bytes: statSync(tarball).size, fileCount: packed.files.length });
  }
  return result;
}

/** `12.3 kB`-style size for reports. */
export function formatBytes(bytes: number): string {
  return bytes < 1000 ? `${bytes} B` : `${(bytes / 1000).toFixed(1)} kB`;
}
