// The claim without the priorities probe, bounded: MariaDB's `LIMIT … ROWS EXAMINED`.

/**
 * Rows the listless claim may examine beyond its LIMIT before MariaDB stops it. The walk
 * passes, besides the rows it takes, only rows it cannot take that sit before them in the
 * claim index: leased rows (the running jobs, at most the workers' slots and prefetch
 * buffers) and, once the due rows of the lowest priority run out, that priority's
 * future-scheduled rows. The margin covers the first and bounds the second (without it,
 * the walk reads and locks every future row of the priorities it passes: 25,000 rows
 * on the bench's deep table).
 */
export const ROWS_EXAMINED_MARGIN = 1000;

/**
 * The clause after the claim's `LIMIT ?`. MariaDB only (10.0+; MySQL answers 1064 and the
 * adapter stops using it): when the statement has examined `limit + ROWS_EXAMINED_MARGIN`
 * rows it ends early with warning 1931 and returns what it found so far.
 */
export function rowsExaminedClause(limit: number): string {
  return `ROWS EXAMINED ${limit + ROWS_EXAMINED_MARGIN} `;
}

/**
 * Sent right after the bounded SELECT in the same command: whether it was cut short, and
 * the clock (a claim without the probe asks for it anyway, so the check costs no
 * statement of its own). Read right after it, `@@warning_count` is that SELECT's
 * (reading it does not reset it). A walk that was not cut returned exactly what the
 * unbounded walk would; a cut one is never used on its own, because with a plan that
 * sorts (a filesort instead of the claim index's order) the rows it returns need not be
 * the first ones in strict order.
 */
export const selectWarningCountAndNow =
  "SELECT @@warning_count AS warnings, UTC_TIMESTAMP(3) AS now";

/** The row `selectWarningCountAndNow` returns. */
export interface WarningCountRow {
  warnings: number | string;
  now: string;
}
