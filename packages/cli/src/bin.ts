#!/usr/bin/env node
// The published `docket` binary: the compiled CLI (`dist/bin.js`). In the workspace,
// `bin/docket.js` runs the TypeScript sources through tsx instead, so no build is needed.
import { main } from "./main.ts";

process.exitCode = await main(process.argv);
