import { DocketError } from "@docket/core";

/**
 * Exit codes scripts can test (documented in packages/cli/README.md):
 * - 0: done
 * - 1: failed (database unreachable, database error, a handler module that cannot load)
 * - 2: usage (unknown command or option, bad value, no database given)
 * - 3: not found or refused (no such job; the job is running or in the wrong state)
 */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_REFUSED = 3;

/** An error the CLI reports as it is, with its own exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT_USAGE);
}

/** The exit code for an error thrown by a command. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (
    error instanceof DocketError &&
    (error.code === "invalid_argument" ||
      error.code === "invalid_option" ||
      error.code === "invalid_cron_expression")
  ) {
    return EXIT_USAGE;
  }
  return EXIT_ERROR;
}
