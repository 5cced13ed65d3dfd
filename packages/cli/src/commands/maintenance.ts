import { type JobNameCounts, queueWorkerCountJobsByName } from "@docket/core";
import type { Command } from "commander";
import { type CliContext, withAdapter } from "../context.ts";
import { renderTable } from "../output.ts";
import { nonNegativeNumber, positiveInteger } from "../parse.ts";
import { untilSignal } from "../signals.ts";

const DAY_MS = 86_400_000;
const COUNT_KEYS = ["pending", "scheduled", "running", "completed", "failed", "cancelled"] as const;

/** `migrate`, `cleanup`, `insights`: keeping the queue's table in shape and watching it. */
export function registerMaintenanceCommands(program: Command, context: CliContext): void {
  const { out } = context;

  program
    .command("migrate")
    .description("create or upgrade the job table (safe to run at every deploy)")
    .action(async (_options, command: Command) => {
      const dialect = await withAdapter(context, command, async (adapter) => {
        await adapter.migrate();
        return adapter.dialect;
      });
      out.line(`migrated (${dialect})`);
    });

  program
    .command("cleanup")
    .description("delete finished jobs (completed, failed, cancelled) older than --days")
    .requiredOption("--days <n>", "keep jobs finished in the last n days", nonNegativeNumber)
    .option("--batch <n>", "rows per delete statement", positiveInteger, 10_000)
    .option("--json", "print { deleted } as JSON")
    .action(async (options, command: Command) => {
      const deleted = await withAdapter(context, command, async (adapter) => {
        const completedBefore = new Date((await adapter.now()).getTime() - options.days * DAY_MS);
        let total = 0;
        // Batches keep each statement (and its locks) short on a deep table; progress
        // goes to stderr so `--json` stays parseable.
        for (;;) {
          const count = await adapter.cleanup({ completedBefore, limit: options.batch });
          total += count;
          if (count < options.batch) break;
          out.note(out.color.dim(`deleted ${total} so far…`));
        }
        return total;
      });
      if (options.json) out.json({ deleted });
      else out.line(`deleted ${deleted} finished job${deleted === 1 ? "" : "s"}`);
    });

  program
    .command("insights")
    .description("counts by state and by job name")
    .option(
      "--hours <n>",
      "count finished jobs of the last n hours (0: all)",
      nonNegativeNumber,
      24,
    )
    .option(
      "--watch [seconds]",
      "refresh every n seconds (default 2) until Ctrl-C",
      positiveInteger,
    )
    .option("--json", "print JSON (with --watch: one JSON object per line)")
    .action(async (options, command: Command) => {
      // `--watch` alone is `true`; `--watch 5` went through positiveInteger.
      const interval: number | null =
        options.watch === undefined ? null : options.watch === true ? 2 : options.watch;
      await withAdapter(context, command, async (adapter) => {
        const read = async () => {
          const now = await adapter.now();
          const since =
            options.hours === 0 ? null : new Date(now.getTime() - options.hours * 3_600_000);
          const byName = await queueWorkerCountJobsByName(
            adapter,
            since === null ? {} : { finishedSince: since },
          );
          return { at: now, finishedSince: since, totals: sumCounts(byName), byName };
        };
        const print = (snapshot: Awaited<ReturnType<typeof read>>) => {
          if (options.json) {
            if (interval === null) out.json(snapshot);
            else out.line(JSON.stringify(snapshot));
            return;
          }
          if (interval !== null && process.stdout.isTTY) out.line("\u001b[2J\u001b[H");
          printInsights(context, snapshot);
        };
        print(await read());
        if (interval === null) return;
        const stop = untilSignal();
        while (!(await stop.wait(interval * 1000))) print(await read());
        stop.dispose();
      });
    });
}

function sumCounts(byName: readonly JobNameCounts[]): Record<(typeof COUNT_KEYS)[number], number> {
  const totals = { pending: 0, scheduled: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const counts of byName) for (const key of COUNT_KEYS) totals[key] += counts[key];
  return totals;
}

function printInsights(
  { out }: CliContext,
  snapshot: {
    at: Date;
    finishedSince: Date | null;
    totals: Record<string, number>;
    byName: readonly JobNameCounts[];
  },
): void {
  const { bold, red, dim } = out.color;
  const window =
    snapshot.finishedSince === null
      ? "all finished jobs"
      : `finished since ${snapshot.finishedSince.toISOString()}`;
  out.line(`${bold("queue at")} ${snapshot.at.toISOString()} ${dim(`(${window})`)}`);
  const headers = ["NAME", ...COUNT_KEYS.map((key) => key.toUpperCase())].map(bold);
  const row = (name: string, counts: Record<string, number>) => [
    name,
    ...COUNT_KEYS.map((key) => {
      const value = String(counts[key] ?? 0);
      return key === "failed" && counts[key] ? red(value) : value;
    }),
  ];
  const rows = snapshot.byName.map((counts) => row(counts.name, counts as never));
  rows.push(row(bold("total"), snapshot.totals));
  for (const line of renderTable(headers, rows)) out.line(line);
}
