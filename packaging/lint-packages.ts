/**
 * `pnpm lint:packages`: builds, packs every publishable package with pnpm and runs
 * publint (warnings count as errors) and Are The Types Wrong (`esm-only` profile: Docket
 * ships ESM only, so CommonJS `require` resolutions are not checked) on each tarball.
 * The tarballs, not the directories, are linted because the workspace manifests point
 * `exports` at sources and only the packed manifest carries `publishConfig.exports`
 * (docs/packaging.md). Exits 1 when any package has a problem.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildWorkspace,
  formatBytes,
  packPackages,
  publishablePackages,
  WORKSPACE_ROOT,
} from "./workspace-packages.ts";

const bin = (name: string) => join(WORKSPACE_ROOT, "node_modules", ".bin", name);

await buildWorkspace();
const destination = mkdtempSync(join(tmpdir(), "docket-lint-packages-"));
let failed = 0;
try {
  for (const pkg of await packPackages(publishablePackages(), destination)) {
    console.log(
      `\n== ${pkg.name}@${pkg.version} (${formatBytes(pkg.bytes)}, ${pkg.fileCount} files)`,
    );
    const checks: [string, string[]][] = [
      [bin("publint"), ["run", pkg.tarball, "--strict"]],
      [bin("attw"), [pkg.tarball, "--profile", "esm-only", "--format", "table-flipped"]],
    ];
    for (const [command, args] of checks) {
      const run = spawnSync(command, args, { stdio: "inherit" });
      if (run.status !== 0) {
        failed += 1;
        console.error(`✗ ${pkg.name}: ${command.split("/").pop()} failed`);
      }
    }
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}
if (failed > 0) {
  console.error(`\n${failed} packaging check(s) failed`);
  process.exit(1);
}
console.log("\nall packages pass publint and attw");
