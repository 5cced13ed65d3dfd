/**
 * What the CLI writes: tables and labelled values for people, JSON for scripts, colour
 * only on a terminal and never when `NO_COLOR` is set (https://no-color.org).
 */

export interface Output {
  /** A line on stdout. */
  line(text?: string): void;
  /** A line on stderr: progress and diagnostics, never mixed into `--json` output. */
  note(text: string): void;
  json(value: unknown): void;
  readonly color: Colors;
}

export interface Colors {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const ANSI = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, cyan: 36 } as const;

export function colorsFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Colors {
  const on =
    stream.isTTY === true &&
    (env.NO_COLOR === undefined || env.NO_COLOR === "") &&
    env.TERM !== "dumb";
  const paint = (code: number) => (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    bold: paint(ANSI.bold),
    dim: paint(ANSI.dim),
    red: paint(ANSI.red),
    green: paint(ANSI.green),
    yellow: paint(ANSI.yellow),
    cyan: paint(ANSI.cyan),
  };
}

export function processOutput(): Output {
  return {
    line: (text = "") => process.stdout.write(`${text}\n`),
    note: (text) => process.stderr.write(`${text}\n`),
    json: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    color: colorsFor(process.stdout, process.env),
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
const ANSI_CODES = /\u001b\[[0-9;]*m/g;

function visibleLength(text: string): number {
  return text.replace(ANSI_CODES, "").length;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function renderTable(headers: readonly string[], rows: readonly string[][]): string[] {
  const widths = headers.map((header, column) =>
    Math.max(visibleLength(header), ...rows.map((row) => visibleLength(row[column] ?? ""))),
  );
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1
          ? cell
          : cell + " ".repeat(widths[column]! - visibleLength(cell)),
      )
      .join("  ")
      .trimEnd();
  return [render(headers), ...rows.map(render)];
}

/** One line of text, cut to `max` characters (control characters shown as spaces). */
export function oneLine(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal safety
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
