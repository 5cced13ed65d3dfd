import type Database from "better-sqlite3";

/**
 * Statements written with named parameters (`@now`), run with their values bound by
 * position. Why: for a named parameter better-sqlite3 interns the name, then asks the
 * params object whether it has it and reads it, through V8's C++ API, on every run; an
 * array is read by index. The per-job statements (claim SELECT, lease UPDATE, outcome
 * UPDATE) bind eleven named parameters per job at concurrency 1.
 * Only for statements whose text has no `@` outside parameter names (no string literals
 * holding one): every `@name` becomes `?`, in order, repeats included.
 */
export interface PositionalText {
  /** The statement with each `@name` replaced by `?`. */
  readonly text: string;
  /** The parameter name of each `?`, in order. */
  readonly names: readonly string[];
}

const PARAMETER = /@([A-Za-z_][A-Za-z0-9_]*)/g;

export function toPositional(source: string): PositionalText {
  const names: string[] = [];
  const text = source.replace(PARAMETER, (_match, name: string) => {
    names.push(name);
    return "?";
  });
  return { text, names };
}

/** A prepared statement of a `PositionalText`, run with a params object as before. */
export class PositionalStatement<Row> {
  constructor(
    private readonly statement: Database.Statement<unknown[], Row>,
    private readonly names: readonly string[],
  ) {}

  all(params: Readonly<Record<string, unknown>>): Row[] {
    return this.statement.all(this.values(params));
  }

  run(params: Readonly<Record<string, unknown>>): Database.RunResult {
    return this.statement.run(this.values(params));
  }

  /**
   * As with named binding: a property holding `undefined` binds NULL, a missing one is an
   * error (better-sqlite3 would bind a missing array element as NULL too).
   */
  private values(params: Readonly<Record<string, unknown>>): unknown[] {
    const names = this.names;
    const values = new Array<unknown>(names.length);
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const value = params[name];
      if (value === undefined && !(name in params)) {
        throw new RangeError(`Missing named parameter "${name}"`);
      }
      values[i] = value;
    }
    return values;
  }
}
