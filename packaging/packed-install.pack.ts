/**
 * `pnpm test:pack`: builds, packs every publishable package, installs the tarballs with
 * npm into a fresh application outside the workspace, and uses them there the way a
 * user would — plain JavaScript on Node (no tsx), and TypeScript under node16 and bundler
 * resolution (docs/packaging.md).
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTempApp, type TempApp } from "./temp-app.ts";
import {
  buildWorkspace,
  formatBytes,
  type PackedPackage,
  packPackages,
  publishablePackages,
  WORKSPACE_ROOT,
} from "./workspace-packages.ts";

const CONSUMER_DIR = join(import.meta.dirname, "consumer");
const TSC = join(WORKSPACE_ROOT, "node_modules", "typescript", "bin", "tsc");

let root: string;
let packed: PackedPackage[];
let app: TempApp;

beforeAll(async () => {
  await buildWorkspace();
  root = mkdtempSync(join(tmpdir(), "docket-pack-"));
  mkdirSync(join(root, "tarballs"));
  packed = await packPackages(publishablePackages(), join(root, "tarballs"));
  console.log(
    `tarballs:\n${packed
      .map(
        (pkg) => `  ${pkg.name}@${pkg.version}  ${formatBytes(pkg.bytes)}  ${pkg.fileCount} files`,
      )
      .join("\n")}`,
  );
  app = await createTempApp(join(root, "app"), packed);
  console.log(`installed into ${app.dir} with ${app.installed.join(", ")}`);
  copyFileSync(join(CONSUMER_DIR, "app.mjs"), join(app.dir, "app.mjs"));
  copyFileSync(join(CONSUMER_DIR, "consumer.ts"), join(app.dir, "consumer.ts"));
}, 600_000);

afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

const execFileAsync = promisify(execFile);

/** Runs a process in the app; resolves with its exit code and output, never rejects. */
async function run(command: string, args: string[]): Promise<{ status: number; output: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      cwd: app.dir,
      timeout: 120_000,
    });
    return { status: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    const status = typeof failed.code === "number" ? failed.code : -1;
    return { status, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}${String(error)}` };
  }
}

/** Runs the plain JavaScript consumer on Node; it exits 0 only when every job ran. */
async function runConsumerApp(database: string, target: string) {
  const { status, output } = await run(process.execPath, ["app.mjs", database, target]);
  console.log(output);
  expect(output, output).toContain(`[${database}] ok`);
  expect(status, output).toBe(0);
}

describe("packed tarballs in a fresh application", () => {
  it("installs outside the workspace, with exports pointing at built JavaScript", async () => {
    expect(relative(WORKSPACE_ROOT, app.dir).startsWith("..")).toBe(true);
    expect(packed.map((pkg) => pkg.name)).toContain("@docket/core");
    for (const pkg of packed) {
      const installedManifest = JSON.parse(
        readFileSync(join(app.dir, "node_modules", pkg.name, "package.json"), "utf8"),
      ) as { exports: Record<string, { import: string; types: string }> };
      for (const [subpath, target] of Object.entries(installedManifest.exports)) {
        expect(target.import, `${pkg.name} ${subpath}`).toMatch(/^\.\/dist\/.*\.js$/);
        expect(target.types, `${pkg.name} ${subpath}`).toMatch(/^\.\/dist\/.*\.d\.ts$/);
      }
    }
  });

  it("imports @docket/core with plain Node: node -e 'import(\"@docket/core\")'", async () => {
    const { status, output } = await run(process.execPath, ["-e", 'import("@docket/core")']);
    expect(output).toBe("");
    expect(status).toBe(0);
  });

  it("imports every package's main entry with plain Node", async () => {
    for (const pkg of packed) {
      const script = `const m = await import(${JSON.stringify(pkg.name)}); if (Object.keys(m).length === 0) process.exit(2);`;
      const { status, output } = await run(process.execPath, ["--input-type=module", "-e", script]);
      expect(status, `${pkg.name}: ${output}`).toBe(0);
    }
  });

  it("runs the JavaScript app on an SQLite file: migrate, enqueue, worker with cron and insights", async () => {
    await runConsumerApp("sqlite", join(root, "jobs.db"));
  });

  it.skipIf(!process.env.DOCKET_POSTGRES_URL)("runs the JavaScript app on PostgreSQL", async () => {
    await runConsumerApp("postgres", process.env.DOCKET_POSTGRES_URL ?? "");
  });

  it.skipIf(!process.env.DOCKET_MYSQL_URL)(
    "runs the JavaScript app on MariaDB / MySQL",
    async () => {
      await runConsumerApp("mysql", process.env.DOCKET_MYSQL_URL ?? "");
    },
  );

  for (const [module, moduleResolution] of [
    ["node16", "node16"],
    ["esnext", "bundler"],
  ] as const) {
    it(`typechecks a TypeScript consumer with moduleResolution ${moduleResolution}`, async () => {
      const config = `tsconfig.${moduleResolution}.json`;
      const compilerOptions = {
        module,
        moduleResolution,
        target: "es2022",
        strict: true,
        noEmit: true,
        // Check Docket's shipped .d.ts files too, not only the consumer.
        skipLibCheck: false,
        types: ["node"],
      };
      writeFileSync(
        join(app.dir, config),
        JSON.stringify({ compilerOptions, files: ["consumer.ts"] }, null, 2),
      );
      const { status, output } = await run(process.execPath, [TSC, "-p", config]);
      expect(output).toBe("");
      expect(status).toBe(0);
    });
  }
});
