import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type JobHandler, type JobHandlerEntry, queueWorkerCreate } from "@docket/core";
import type { Command } from "commander";
import { type CliContext, withAdapter } from "../context.ts";
import { CliError, EXIT_ERROR, EXIT_USAGE } from "../exit-codes.ts";
import { positiveInteger } from "../parse.ts";
import { untilSignal } from "../signals.ts";

type HandlerMap = Record<string, JobHandler | JobHandlerEntry>;

/** `work`: a worker process for the handlers a module exports. */
export function registerWorkCommand(program: Command, context: CliContext): void {
  const { out } = context;

  program
    .command("work")
    .description("run a worker until SIGINT/SIGTERM, then stop gracefully")
    .requiredOption(
      "--handlers <module>",
      "a module whose default (or `handlers`) export maps job names to handlers",
    )
    .option("--parallel <n>", "jobs run at the same time (parallelCount)", positiveInteger)
    .action(async (options, command: Command) => {
      const handler = await loadHandlers(options.handlers);
      const names = Object.keys(handler);
      await withAdapter(
        context,
        command,
        async (adapter) => {
          const signals = untilSignal();
          const worker = queueWorkerCreate(adapter, {
            handler,
            ...(options.parallel === undefined ? {} : { parallelCount: options.parallel }),
          });
          worker.start();
          out.note(`docket: working on ${names.join(", ")} (Ctrl-C to stop)`);
          await signals.wait();
          out.note(`docket: ${signals.received}: stopping after the running jobs…`);
          // A second signal while draining quits at once, as people expect of Ctrl-C.
          signals.dispose();
          const force = () => process.exit(130);
          process.once("SIGINT", force);
          process.once("SIGTERM", force);
          await worker.stop();
          process.off("SIGINT", force);
          process.off("SIGTERM", force);
          out.note("docket: stopped");
        },
        { listen: true },
      );
    });
}

async function loadHandlers(path: string): Promise<HandlerMap> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot load handlers from ${path}: ${reason}`, EXIT_ERROR);
  }
  const map = module.default ?? module.handlers;
  if (
    typeof map !== "object" ||
    map === null ||
    Array.isArray(map) ||
    Object.keys(map).length === 0
  ) {
    throw new CliError(
      `expected ${path} to export a map of job names to handlers (default or \`handlers\`)`,
      EXIT_USAGE,
    );
  }
  return map as HandlerMap;
}
