#!/usr/bin/env node
// The `docket` binary. The CLI is written in TypeScript; tsx loads it without a build
// step (a published build runs the compiled file instead, see packages/cli/README.md).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv);
