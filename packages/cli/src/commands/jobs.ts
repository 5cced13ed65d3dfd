import {
  JOB_STATES,
  type JobState,
  jobState,
  queueWorkerAddJob,
  queueWorkerGetJob,
  queueWorkerListJobs,
} from "@docket/core";
import { type Command, Option } from "commander";
import { type CliContext, withAdapter } from "../context.ts";
import { CliError, EXIT_REFUSED } from "../exit-codes.ts";
import { formatTime, JOB_TABLE_HEADERS, jobJson, jobTableRow, paintState } from "../format.ts";
import { renderTable } from "../output.ts";
import { date, jsonValue, nonNegativeInteger, positiveInteger } from "../parse.ts";

/** `add`, `ls`, `show`: putting jobs in and looking at them. */
export function registerJobCommands(program: Command, context: CliContext): void {
  const { out } = context;

  program
    .command("add")
    .description("add a job; prints its id")
    .argument("<name>", "job name")
    .option("--data <json>", "job data as JSON", jsonValue)
    .option("--priority <n>", "lower runs first (default 5)", nonNegativeInteger)
    .option("--at <time>", "run at or after this time (ISO 8601)", date)
    .option("--delay <ms>", "run after this many milliseconds", nonNegativeInteger)
    .option("--timeout <ms>", "handler timeout for this job", positiveInteger)
    .option("--json", "print { id } as JSON")
    .action(async (name: string, options, command: Command) => {
      if (options.at !== undefined && options.delay !== undefined) {
        throw new CliError("pass --at or --delay, not both", 2);
      }
      const id = await withAdapter(context, command, async (adapter) => {
        const scheduledAt =
          options.delay === undefined
            ? options.at
            : new Date((await adapter.now()).getTime() + options.delay);
        return queueWorkerAddJob(adapter, {
          name,
          ...(options.data === undefined ? {} : { data: options.data }),
          ...(options.priority === undefined ? {} : { priority: options.priority }),
          ...(scheduledAt === undefined ? {} : { scheduledAt }),
          ...(options.timeout === undefined ? {} : { handlerTimeout: options.timeout }),
        });
      });
      if (options.json) out.json({ id });
      else out.line(String(id));
    });

  program
    .command("ls")
    .description("list jobs, newest first")
    .option("--name <name>", "only jobs with this name")
    .addOption(new Option("--state <state>", "only jobs in this state").choices(JOB_STATES))
    .option("--limit <n>", "at most this many (1-10000)", positiveInteger, 50)
    .option("--json", "print a JSON array")
    .action(async (options, command: Command) => {
      const { jobs, now } = await withAdapter(context, command, async (adapter) => ({
        jobs: await queueWorkerListJobs(adapter, {
          name: options.name,
          state: options.state as JobState | undefined,
          limit: options.limit,
        }),
        now: await adapter.now(),
      }));
      if (options.json) {
        out.json(jobs.map((job) => jobJson(job, now)));
        return;
      }
      if (jobs.length === 0) {
        out.line(out.color.dim("no jobs"));
        return;
      }
      const rows = jobs.map((job) => jobTableRow(job, now, out.color));
      for (const line of renderTable(JOB_TABLE_HEADERS.map(out.color.bold), rows)) out.line(line);
      if (jobs.length === options.limit) {
        out.note(out.color.dim(`(first ${options.limit}; raise --limit or filter to see more)`));
      }
    });

  program
    .command("show")
    .description("show one job: data, error, attempts, times")
    .argument("<id>", "job id", positiveInteger)
    .option("--json", "print the job as JSON")
    .action(async (id: number, options, command: Command) => {
      const { job, now } = await withAdapter(context, command, async (adapter) => ({
        job: await queueWorkerGetJob(adapter, id),
        now: await adapter.now(),
      }));
      if (job === null) throw new CliError(`job ${id} not found`, EXIT_REFUSED);
      if (options.json) {
        out.json(jobJson(job, now));
        return;
      }
      const { bold } = out.color;
      const fields: [string, string][] = [
        ["id", String(job.id)],
        ["name", job.name],
        ["state", paintState(jobState(job, now), out.color)],
        ["priority", String(job.priority)],
        ["attempts", String(job.retryCount)],
        ["scheduled", formatTime(job.scheduledAt)],
        ["created", formatTime(job.createdAt)],
        ["updated", formatTime(job.updatedAt)],
        ["finished", formatTime(job.completedAt)],
        ["failed", formatTime(job.failedAt)],
        ["cancelled", formatTime(job.cancelledAt)],
        ["locked by", job.lockedBy ?? "-"],
        ["locked until", formatTime(job.lockedUntil)],
        ["timeout", job.handlerTimeout === null ? "-" : `${job.handlerTimeout} ms`],
        ["cron", job.cronExpression ?? "-"],
      ];
      for (const [label, value] of fields) out.line(`${bold(label.padEnd(13))}${value}`);
      out.line(bold("data"));
      out.line(JSON.stringify(job.data, null, 2));
      if (job.lastError !== null) {
        out.line(bold("last error"));
        out.line(out.color.red(job.lastError));
      }
    });
}
