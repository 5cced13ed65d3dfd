/**
 * What Docket logs through: `{ info, error }`, each taking one object. `pino` loggers and
 * `console` both fit. The default writes one JSON object per line to stdout/stderr.
 */
export interface Logger {
  info(entry: Record<string, unknown>): void;
  error(entry: Record<string, unknown>): void;
}

/** One JSON object per line: `{"level":"info","time":"…",…}`. */
export function newJsonLogger(context: Record<string, unknown> = {}): Logger {
  const write = (level: "info" | "error", entry: Record<string, unknown>) => {
    const line = safeJson({ level, time: new Date().toISOString(), ...context, ...entry });
    (level === "error" ? process.stderr : process.stdout).write(`${line}\n`);
  };
  return { info: (entry) => write("info", entry), error: (entry) => write("error", entry) };
}

/** Adds fixed fields to every entry of `logger`. */
export function withLogContext(logger: Logger, context: Record<string, unknown>): Logger {
  return {
    info: (entry) => logger.info({ ...context, ...entry }),
    error: (entry) => logger.error({ ...context, ...entry }),
  };
}

/** A logger must never take down the worker: calls are guarded. */
export function guardLogger(logger: Logger): Logger {
  return {
    info: (entry) => {
      try {
        logger.info(entry);
      } catch {
        // A broken logger loses the line, not the job.
      }
    },
    error: (entry) => {
      try {
        logger.error(entry);
      } catch {
        // See above.
      }
    },
  };
}

function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Error) return { name: v.name, message: v.message, stack: v.stack };
      if (typeof v === "object" && v !== null) {
        if (seen.has(v)) return "[Circular]";
        seen.add(v);
      }
      return v;
    });
  } catch {
    return JSON.stringify({ message: "unserialisable log entry" });
  }
}
