import { type JobRecord, jobState, nextCronOccurrence, queueWorkerListJobs } from "@docket/core";
import type { Command } from "commander";
import { type CliContext, withAdapter } from "../context.ts";
import { formatTime, paintState } from "../format.ts";
import { renderTable } from "../output.ts";
import { positiveInteger } from "../parse.ts";

/** `cron ls`: the registered cron jobs and when they run next. */
export function registerCronCommands(program: Command, context: CliContext): void {
  const { out } = context;
  const cron = program.command("cron").description("cron jobs");

  cron
    .command("ls")
    .description("cron jobs with their next run times")
    .option("--next <n>", "how many run times to show", positiveInteger, 3)
    .option("--json", "print a JSON array")
    .action(async (options, command: Command) => {
      const { rows, now } = await withAdapter(context, command, async (adapter) => {
        // Each registered cron job has exactly one unfinished row (its next run).
        const unfinished: JobRecord[] = [];
        for (const state of ["pending", "scheduled", "running"] as const) {
          unfinished.push(...(await queueWorkerListJobs(adapter, { state, limit: 10_000 })));
        }
        return {
          rows: unfinished.filter((job) => job.cronExpression !== null),
          now: await adapter.now(),
        };
      });
      rows.sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime());
      const entries = rows.map((job) => {
        const runs = [job.scheduledAt];
        while (runs.length < options.next) {
          runs.push(nextCronOccurrence(job.cronExpression!, runs[runs.length - 1]!));
        }
        return { job, runs };
      });
      if (options.json) {
        out.json(
          entries.map(({ job, runs }) => ({
            id: job.id,
            name: job.name,
            cronExpression: job.cronExpression,
            priority: job.priority,
            state: jobState(job, now),
            nextRuns: runs,
          })),
        );
        return;
      }
      if (entries.length === 0) {
        out.line(out.color.dim("no cron jobs registered"));
        return;
      }
      const headers = ["NAME", "EXPRESSION", "STATE", "NEXT RUNS (UTC)"].map(out.color.bold);
      const table = entries.map(({ job, runs }) => [
        job.name,
        job.cronExpression!,
        paintState(jobState(job, now), out.color),
        runs.map(formatTime).join(", "),
      ]);
      for (const line of renderTable(headers, table)) out.line(line);
    });
}
