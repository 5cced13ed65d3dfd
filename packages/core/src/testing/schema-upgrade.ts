import { afterAll, describe, expect, it } from "vitest";
import type { StorageAdapter } from "../storage-adapter.ts";
import { claimRequest, uniqueTableName } from "./seam-fixtures.ts";

/**
 * What an adapter package gives the upgrade test: a queue created EXACTLY as an earlier
 * release created it (its DDL frozen in a fixture file), rows in it, and readers of rows
 * and catalog. Everything database-specific stays in the adapter's test file.
 */
export interface SchemaUpgradeFixture {
  readonly label: string;
  /** Creates table `t`'s queue from the frozen DDL of the earlier release. */
  createFrozen(t: string): Promise<void>;
  /**
   * Rows in every state the earlier release could leave: jobs pending (named `pending`,
   * due), running (`running`, live lease), finished, failed, cancelled and a pending cron
   * row; a file row; a session with a token.
   */
  seed(t: string): Promise<void>;
  /** Every row of the job, file, session and token tables, in a stable order. */
  contents(t: string): Promise<unknown>;
  /** Columns (types, nullability, defaults) and index definitions, the table name anonymised. */
  catalog(t: string): Promise<unknown>;
  /** Applies by hand a few of the next migration's steps, as a run that died would have. */
  interrupt(t: string): Promise<void>;
  /** Forgets that versions >= `from` were applied (their effects stay). */
  forgetVersions(t: string, from: number): Promise<void>;
  open(t: string): Promise<StorageAdapter>;
  /** Drops table `t`'s queue. */
  drop(t: string): Promise<void>;
}

/** The statements of a frozen DDL fixture: a `--` header line, statements ending in `;\n`. */
export function frozenStatements(text: string, replacements: Record<string, string>): string[] {
  return text
    .replace(/^--.*\n/, "")
    .split(/;\n/)
    .filter((statement) => statement.trim() !== "")
    .map((statement) =>
      Object.entries(replacements).reduce((sql, [from, to]) => sql.replaceAll(from, to), statement),
    );
}

/** Upgrading a queue of the earlier release keeps its rows and ends on today's schema. */
export function describeSchemaUpgrade(fixture: SchemaUpgradeFixture): void {
  const made: string[] = [];
  const table = () => {
    const name = uniqueTableName();
    made.push(name);
    return name;
  };
  const migrate = async (t: string) => {
    const adapter = await fixture.open(t);
    try {
      await adapter.migrate();
    } finally {
      await adapter.close();
    }
  };

  describe(`${fixture.label}: upgrading a queue made by the release before migration 7`, () => {
    afterAll(async () => {
      for (const t of made.splice(0)) await fixture.drop(t);
    });

    it("keeps every row and ends with the schema a fresh migrate() creates", async () => {
      const old = table();
      await fixture.createFrozen(old);
      await fixture.seed(old);
      const before = await fixture.contents(old);
      await migrate(old);
      expect(await fixture.contents(old)).toEqual(before);
      const fresh = table();
      await migrate(fresh);
      expect(await fixture.catalog(old)).toEqual(await fixture.catalog(fresh));

      // The upgraded queue still works: the running row's lease is live, the pending one is claimed.
      const adapter = await fixture.open(old);
      try {
        const { jobs } = await adapter.claim(claimRequest({ names: ["pending", "running"] }));
        expect(jobs.map((job) => job.name)).toEqual(["pending"]);
      } finally {
        await adapter.close();
      }
    });

    it("finishes a run that died part-way through migration 7, and a repeated run", async () => {
      const t = table();
      await fixture.createFrozen(t);
      await fixture.interrupt(t);
      await migrate(t);
      // With versions 5-7 forgotten every step finds its effect in the catalog and skips.
      await fixture.forgetVersions(t, 5);
      await migrate(t);
      const fresh = table();
      await migrate(fresh);
      expect(await fixture.catalog(t)).toEqual(await fixture.catalog(fresh));
    });
  });
}
