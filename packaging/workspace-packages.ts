/**
 * The publishable workspace packages and their tarballs, found rather than listed, so a
 * new package is linted, packed and installed by the pack test as soon as it exists and
 * is not `private` (docs/packaging.md).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

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

/** Runs `pnpm build` at the root (incremental `tsc -b`: a no-op when dist is current). */
export function buildWorkspace(): void {
  execFileSync("pnpm", ["build"], { cwd: WORKSPACE_ROOT, stdio: "inherit" });
}

/**
 * `pnpm pack`s each package into `destination`. pnpm (not npm) must pack: it applies
 * `publishConfig.exports` and turns `workspace:^` into a real range, exactly as
 * `pnpm publish` / `changeset publish` will.
 */
export function packPackages(packages: WorkspacePackage[], destination: string): PackedPackage[] {
  return packages.map((pkg) => {
    const output = execFileSync("pnpm", ["pack", "--json", "--pack-destination", destination], {
      cwd: pkg.dir,
      encoding: "utf8",
    });
    const packed = JSON.parse(output) as { filename: string; files: unknown[] };
    const tarball = resolve(destination, packed.filename);
    return {
      ...pkg,
      tarball,
      bytes: statSync(tarball).size,
      fileCount: packed.files.length,
    };
  });
}

/** `12.3 kB`-style size for reports. */
export function formatBytes(bytes: number): string {
  return bytes < 1000 ? `${bytes} B` : `${(bytes / 1000).toFixed(1)} kB`;
}
