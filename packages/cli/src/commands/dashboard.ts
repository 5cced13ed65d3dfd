import { startDashboardServer } from "@docket/dashboard";
import { type Command, InvalidArgumentError } from "commander";
import { type CliContext, withAdapter } from "../context.ts";
import { untilSignal } from "../signals.ts";

/** The port `docket dashboard` listens on without `--port`. */
export const DEFAULT_DASHBOARD_PORT = 4000;

/** `dashboard`: serves the web dashboard (`@docket/dashboard`) until SIGINT/SIGTERM. */
export function registerDashboardCommand(program: Command, context: CliContext): void {
  const { out } = context;

  program
    .command("dashboard")
    .description("serve the web dashboard until SIGINT/SIGTERM (127.0.0.1 unless --host)")
    .option("--port <n>", `TCP port, 0 for any free one (default: ${DEFAULT_DASHBOARD_PORT})`, port)
    .option("--host <address>", "interface to listen on (default: 127.0.0.1)")
    .option("--base-path <path>", 'serve under a path, e.g. "/admin/jobs"')
    .option("--read-only", "no actions: no buttons, every POST refused")
    .action(async (options, command: Command) => {
      await withAdapter(context, command, async (adapter) => {
        const signals = untilSignal();
        try {
          const server = await startDashboardServer({
            adapter,
            port: options.port ?? DEFAULT_DASHBOARD_PORT,
            ...(options.host === undefined ? {} : { host: options.host }),
            ...(options.basePath === undefined ? {} : { basePath: options.basePath }),
            ...(options.readOnly === true ? { readOnly: true } : {}),
          });
          // The URL goes to stdout (scripts read it, e.g. with --port 0); the rest to stderr.
          out.line(server.url);
          out.note(
            `docket: dashboard on ${server.url}${options.readOnly === true ? " (read-only)" : ""} (Ctrl-C to stop)`,
          );
          await signals.wait();
          out.note(`docket: ${signals.received}: stopping the dashboard`);
          await server.close();
        } finally {
          signals.dispose();
        }
      });
    });
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535) {
    throw new InvalidArgumentError("expected a port from 0 to 65535");
  }
  return n;
}
