/**
 * `pnpm release:dry`: shows what a release would publish, without publishing or changing
 * a file: the version plan from the pending changesets (`changeset status`), then, for
 * every publishable package, the tarball `pnpm pack` makes — size, files, and the
 * `exports` and peer ranges its published package.json will carry (docs/packaging.md).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildWorkspace,
  formatBytes,
  packPackages,
  publishablePackages,
  WORKSPACE_ROOT,
} from "./workspace-packages.ts";

interface ReleasePlan {
  releases: { name: string; type: string; oldVersion: string; newVersion: string }[];
}

const scratch = mkdtempSync(join(tmpdir(), "docket-release-dry-"));
try {
  const planFile = join(scratch, "plan.json");
  execFileSync(
    join(WORKSPACE_ROOT, "node_modules", ".bin", "changeset"),
    ["status", "--output", planFile],
    {
      cwd: WORKSPACE_ROOT,
      stdio: "ignore",
    },
  );
  const plan = JSON.parse(readFileSync(planFile, "utf8")) as ReleasePlan;
  const releaseOf = new Map(plan.releases.map((release) => [release.name, release]));

  await buildWorkspace();
  const packed = await packPackages(publishablePackages(), scratch);
  console.log("\nWould publish (npm, access public; nothing is published by this command):\n");
  for (const pkg of packed) {
    const release = releaseOf.get(pkg.name);
    const version =
      release === undefined || release.type === "none"
        ? `${pkg.version} (no pending changeset: unchanged)`
        : `${release.oldVersion} → ${release.newVersion} (${release.type})`;
    const manifest = JSON.parse(
      execFileSync("tar", ["-xOzf", pkg.tarball, "package/package.json"], { encoding: "utf8" }),
    ) as { exports: Record<string, unknown>; peerDependencies?: Record<string, string> };
    const files = execFileSync("tar", ["-tzf", pkg.tarball], { encoding: "utf8" })
      .trim()
      .split("\n");
    const countUnder = (dir: string) => files.filter((f) => f.startsWith(`package/${dir}/`)).length;
    console.log(`${pkg.name}  ${version}`);
    console.log(
      `  tarball ${formatBytes(pkg.bytes)}, ${files.length} files (dist ${countUnder("dist")}, src ${countUnder("src")})`,
    );
    console.log(`  exports ${Object.keys(manifest.exports).join(", ")}`);
    const peers = Object.entries(manifest.peerDependencies ?? {}).map(([n, r]) => `${n} ${r}`);
    console.log(`  peers   ${peers.length > 0 ? peers.join(", ") : "none"}`);
  }
  const skipped = plan.releases.filter(
    (r) => r.type !== "none" && !packed.some((pkg) => pkg.name === r.name),
  );
  if (skipped.length > 0) {
    console.log(
      `\nIn the plan but private (not published): ${skipped.map((r) => r.name).join(", ")}`,
    );
  }
  console.log(
    "\nTo release for real: pnpm changeset version (bumps versions, writes CHANGELOG.md),\n" +
      "commit, then pnpm build && pnpm changeset publish.",
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
