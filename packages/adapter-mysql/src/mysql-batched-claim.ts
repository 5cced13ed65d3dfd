import type { CompleteResult, JobOutcome } from "@docket/core/adapter";
import type { ResultSetHeader } from "mysql2/promise";
import { selectWarningCountAndNow, type WarningCountRow } from "./mysql-bounded-walk.ts";
import type { MysqlConnection } from "./mysql-connection.ts";
import type { FoldedProbeRow } from "./mysql-folded-probe.ts";
import { inlineValues, type LiteralValue } from "./mysql-literals.ts";
import type { JobRow } from "./mysql-rows.ts";
import * as sql from "./mysql-sql.ts";

/** What the claim's first round trip read and wrote. */
export interface ClaimBatchResult {
  /** The claimable rows, locked (`selectClaimable`). */
  rows: (JobRow & { docket_now: string })[];
  /** The server's clock, when asked for (a claim without the probe's clock). */
  now: string | null;
  /** Per batch of paired successes, in order: which were recorded and which lost. */
  completed: CompleteResult[];
  /** The folded probe's row, when one was sent (`foldedProbe`). */
  probe: FoldedProbeRow | null;
  /** A bounded walk (`bounded`) was cut short: `rows` are not to be used on their own. */
  truncated: boolean;
}

/** What the claim's first round trip sends besides the successes and the SELECT. */
export interface ClaimBatchExtras {
  /** Ask for the server's clock (a claim without the probe's clock). */
  withClock: boolean;
  /** The folded probe, sent before the SELECT (`foldedProbe`). */
  probe: string | null;
  /** The SELECT is bounded by `ROWS EXAMINED`: check whether it was cut short (and read the clock with it). */
  bounded: boolean;
}

/**
 * The claim's first round trip on the claim pool's multi-statement connection: the paired
 * successes' guarded writes (each its own statement, so its affected-row count is its
 * guard's verdict, as in `complete`), then, with `probe`, the folded priorities probe
 * whose variables the SELECT reads, then the claim's SELECT … FOR UPDATE SKIP LOCKED,
 * then, when `bounded`, its warning count and the clock (`selectWarningCountAndNow`),
 * else, when `withClock`, the clock. All in the transaction the first statement opens;
 * the successes commit with the claim.
 */
export async function sendClaimBatch(
  connection: MysqlConnection,
  table: string,
  successes: readonly (readonly JobOutcome[])[],
  select: { text: string; values: readonly LiteralValue[] },
  { withClock, probe, bounded }: ClaimBatchExtras,
): Promise<ClaimBatchResult> {
  const statements: string[] = [];
  for (const batch of successes) {
    for (const outcome of batch) {
      const guarded = outcome.deleteOnFinish
        ? sql.deleteOneGuarded(table)
        : sql.markOneSucceededGuarded(table);
      statements.push(inlineValues(guarded, [outcome.id, outcome.leaseToken]));
    }
  }
  if (probe !== null) statements.push(probe);
  const selectAt = statements.length;
  statements.push(inlineValues(select.text, select.values));
  if (bounded) statements.push(selectWarningCountAndNow);
  else if (withClock) statements.push(sql.selectNow);
  // Decoded by the claim pool's own settings (`CLAIM_POOL_SETTINGS`): no per-command options.
  const [raw] = await connection.query(statements.join("; "));
  // mysql2 returns one result per statement when there are several, else the result.
  const results = (statements.length === 1 ? [raw] : raw) as unknown[];
  let at = 0;
  const completed = successes.map((batch): CompleteResult => {
    const recorded: number[] = [];
    const lost: number[] = [];
    for (const outcome of batch) {
      const header = results[at++] as ResultSetHeader;
      (header.affectedRows === 1 ? recorded : lost).push(outcome.id);
    }
    return { recorded, lost };
  });
  const tail = bounded || withClock ? (results[selectAt + 1] as WarningCountRow[])[0]! : null;
  return {
    rows: results[selectAt] as ClaimBatchResult["rows"],
    now: tail?.now ?? null,
    completed,
    probe: probe === null ? null : (results[selectAt - 1] as FoldedProbeRow[])[0]!,
    truncated: bounded && Number(tail!.warnings) > 0,
  };
}
