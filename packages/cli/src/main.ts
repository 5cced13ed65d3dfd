import { Command, CommanderError } from "commander";
import { registerActionCommands } from "./commands/actions.ts";
import { registerCronCommands } from "./commands/cron.ts";
import { registerDashboardCommand } from "./commands/dashboard.ts";
import { registerJobCommands } from "./commands/jobs.ts";
import { registerMaintenanceCommands } from "./commands/maintenance.ts";
import { registerWorkCommand } from "./commands/work.ts";
import type { CliContext } from "./context.ts";
import { EXIT_OK, EXIT_USAGE, exitCodeOf } from "./exit-codes.ts";
import { type Output, processOutput } from "./output.ts";

/** The `docket` program, with every command registered. */
export function createProgram(context: CliContext): Command {
  const program = new Command("docket")
    .description("Operate a Docket job queue on SQLite, PostgreSQL or MySQL.")
    .option(
      "--db <url>",
      "sqlite:./jobs.db, postgres://… or mysql://… (default: $DOCKET_DATABASE_URL)",
    )
    .option("--table <name>", "the job table (default: docket_job)")
    .version("0.1.0")
    .showSuggestionAfterError()
    .addHelpText(
      "after",
      "\nExit codes: 0 ok, 1 error, 2 usage, 3 not found or refused (e.g. the job is running).",
    );
  registerMaintenanceCommands(program, context);
  registerJobCommands(program, context);
  registerActionCommands(program, context);
  registerCronCommands(program, context);
  registerWorkCommand(program, context);
  registerDashboardCommand(program, context);
  // Every command reports usage errors instead of exiting itself, so main() decides.
  const override = (command: Command) => {
    command.exitOverride();
    command.configureOutput({ outputError: (text, write) => write(text) });
    for (const sub of command.commands) override(sub);
  };
  override(program);
  return program;
}

/** Runs the CLI on `argv` (node, script, ...args) and resolves to the exit code. */
export async function main(
  argv: readonly string[],
  out: Output = processOutput(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const context: CliContext = { out, env, exitCode: EXIT_OK };
  const program = createProgram(context);
  try {
    await program.parseAsync([...argv]);
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version "fail" with code 0; every other parser error is usage.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    out.note(`docket: ${error instanceof Error ? error.message : String(error)}`);
    return exitCodeOf(error);
  }
}
