import { createRequire } from "node:module";

/** A command mysql2 sent to the server: the connection's thread id and its SQL text. */
export interface SentCommand {
  threadId: number | null;
  sql: string;
}

const require = createRequire(import.meta.url);

/**
 * Records every command any mysql2 connection of this process sends until `stop()`, by
 * wrapping the driver's one "queue a command" method: what the adapter's own connections
 * (which the tests cannot reach) send, and on which connection.
 */
export function recordSentCommands(): { sent: SentCommand[]; stop(): void } {
  // Not among mysql2's exports: reached by path from its entry point.
  const driverDir = require.resolve("mysql2").replace(/index\.js$/, "");
  const base = require(`${driverDir}lib/base/connection.js`) as {
    prototype: { addCommand: (this: { threadId?: number }, cmd: unknown) => unknown };
  };
  const original = base.prototype.addCommand;
  const sent: SentCommand[] = [];
  base.prototype.addCommand = function (this: { threadId?: number }, cmd: unknown) {
    const command = cmd as { sql?: unknown; query?: { sql?: unknown } };
    const sql = typeof command.sql === "string" ? command.sql : command.query?.sql;
    if (typeof sql === "string") sent.push({ threadId: this.threadId ?? null, sql });
    return original.call(this, cmd);
  };
  return {
    sent,
    stop: () => {
      base.prototype.addCommand = original;
    },
  };
}
