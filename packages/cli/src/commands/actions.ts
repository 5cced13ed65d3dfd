import {
  type JobActionResult,
  queueWorkerCancelJob,
  queueWorkerDeleteJob,
  queueWorkerRetryFailedJobs,
  queueWorkerRetryJob,
  type StorageAdapter,
} from "@docket/core";
import type { Command } from "commander";
import { type CliContext, withAdapter } from "../context.ts";
import { EXIT_REFUSED, usageError } from "../exit-codes.ts";
import { positiveInteger } from "../parse.ts";

/** `retry`, `cancel`, `delete`: the guarded operator actions (never on a running job). */
export function registerActionCommands(program: Command, context: CliContext): void {
  const { out } = context;

  /** Prints the outcome; a refusal exits 3 so scripts can tell. */
  const report = (verb: string, id: number, result: JobActionResult, json: boolean) => {
    if (!result.ok) context.exitCode = EXIT_REFUSED;
    if (json) {
      out.json({ id, ...result });
      return;
    }
    if (result.ok) {
      out.line(`${verb} job ${id}`);
    } else if (result.reason === "not_found") {
      out.note(`docket: job ${id} not found`);
    } else if (result.reason === "running") {
      out.note(`docket: not ${verb}: job ${id} is running`);
    } else {
      out.note(`docket: not ${verb}: job ${id} is ${result.state}`);
    }
  };

  const single = (
    name: string,
    verb: string,
    description: string,
    action: (adapter: StorageAdapter, id: number) => Promise<JobActionResult>,
  ) =>
    program
      .command(name)
      .description(description)
      .argument("<id>", "job id", positiveInteger)
      .option("--json", "print the result as JSON")
      .action(async (id: number, options, command: Command) => {
        const result = await withAdapter(context, command, (adapter) => action(adapter, id));
        report(verb, id, result, options.json === true);
      });

  program
    .command("retry")
    .description("retry a failed job now (attempts reset, error kept), or all failed jobs")
    .argument("[id]", "job id", positiveInteger)
    .option("--failed", "retry every failed job (with --name: of that name)")
    .option("--name <name>", "with --failed: only jobs with this name")
    .option("--json", "print the result as JSON")
    .action(async (id: number | undefined, options, command: Command) => {
      if (id !== undefined && options.failed)
        throw usageError("pass a job id or --failed, not both");
      if (id === undefined && !options.failed) throw usageError("pass a job id or --failed");
      if (options.name !== undefined && !options.failed) {
        throw usageError("--name goes with --failed");
      }
      if (id !== undefined) {
        const result = await withAdapter(context, command, (a) => queueWorkerRetryJob(a, id));
        report("retried", id, result, options.json === true);
        return;
      }
      const count = await withAdapter(context, command, (adapter) =>
        queueWorkerRetryFailedJobs(adapter, { name: options.name }),
      );
      if (options.json) out.json({ retried: count });
      else out.line(`retried ${count} failed job${count === 1 ? "" : "s"}`);
    });

  single("cancel", "cancelled", "cancel a pending or scheduled job", queueWorkerCancelJob);
  single("delete", "deleted", "delete a job that is not running", queueWorkerDeleteJob);
}
