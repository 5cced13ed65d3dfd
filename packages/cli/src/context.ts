import type { StorageAdapter } from "@docket/core";
import type { Command } from "commander";
import { type ConnectionOptions, openAdapter } from "./connection.ts";
import type { Output } from "./output.ts";

/** What every command gets: where to write, the environment, and its adapter. */
export interface CliContext {
  readonly out: Output;
  readonly env: NodeJS.ProcessEnv;
  /** Set by a command that finished but must report a non-zero exit (e.g. refused). */
  exitCode: number;
}

/**
 * Opens the adapter of the command's `--db` / `--table`, runs `work`, and closes the
 * adapter again whatever happens.
 */
export async function withAdapter<T>(
  context: CliContext,
  command: Command,
  work: (adapter: StorageAdapter) => Promise<T>,
  options: { listen?: boolean } = {},
): Promise<T> {
  const globals = command.optsWithGlobals<ConnectionOptions>();
  const adapter = await openAdapter(globals, context.env, options);
  try {
    return await work(adapter);
  } finally {
    await adapter.close();
  }
}
