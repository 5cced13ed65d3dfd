import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

it("@docket/jobs-builtin and @docket/files import without sharp and @aws-sdk/client-s3", async () => {
  const { stdout } = await run(
    process.execPath,
    [
      "--import",
      "tsx",
      "--import",
      fixture("block-optional-peers.mjs"),
      fixture("import-without-peers.ts"),
    ],
    { cwd: fileURLToPath(new URL("..", import.meta.url)) },
  );
  expect(JSON.parse(stdout.trim().split("\n").pop()!)).toEqual({
    jobs: ["jobFileCleanup", "jobFileGeneratePlaceholderImage", "jobFileTransformImage"],
    files: "function",
    sharp: "dependency_missing",
    s3: "ERR_MODULE_NOT_FOUND",
  });
});
