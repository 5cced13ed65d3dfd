// The priorities probe folded into the claim's first multi-statement command (see
// `selectPriorities` in mysql-sql.ts for why the claim needs the probe at all).

/** Fewest slots the claim reserves for the probe's due priorities. */
const MIN_SLOTS = 4;

/**
 * How many due priorities the claim names one by one: the last probe's count rounded up
 * to a power of two (at least MIN_SLOTS, at most `maxSlots`), so the statement
 * text takes few distinct shapes. Due priorities beyond the slots are still claimable
 * (`@docket_rest`), only without the bound on `scheduled_at`.
 */
export function foldedSlotCount(lastDueCount: number, maxSlots: number): number {
  let slots = MIN_SLOTS;
  while (slots < lastDueCount && slots < maxSlots) slots *= 2;
  return slots;
}

/**
 * The probe as the statement before the claim's SELECT in the same command: the same
 * loose index scan as `selectPriorities`, returning one row (clock, due count, future
 * rows, whether the lowest unfinished priority is due: `first_due`) and leaving in user variables what the SELECT reads (`foldedPriorityFilter`):
 * `@docket_due`, the due priorities in ascending order as a JSON array, and
 * `@docket_rest`, the priority above which the claim walks without a list (NULL when the
 * slots name every due priority): the `slots`-th due priority when there are more, else
 * the last probed priority when the probe stopped after `maxPriorities + 1` (the limit of
 * `selectPriorities`). Because the variables are
 * set by this statement and read by the next one of the same command, the claim needs no
 * round trip of its own for them, and every due row stays claimable in strict order.
 * It is the first read of the claim's transaction (after the paired successes' writes,
 * which it sees), so its consistent snapshot is as fresh as the separate probe's was.
 */
export function foldedProbe(table: string, slots: number, maxPriorities: number): string {
  const limit = maxPriorities + 1;
  return (
    "SELECT probed.docket_now, probed.due_count, probed.future, probed.first_due, " +
    "@docket_due := probed.due_list AS due_list, " +
    `@docket_rest := CASE WHEN probed.due_count > ${slots} ` +
    `THEN CAST(JSON_VALUE(probed.due_list, '$[${slots - 1}]') AS SIGNED) ` +
    `WHEN probed.groups_seen >= ${limit} THEN probed.last_priority END AS rest FROM (` +
    "SELECT MIN(clock.docket_now) AS docket_now, COUNT(grouped.priority) AS groups_seen, " +
    "COUNT(IF(grouped.due, 1, NULL)) AS due_count, COALESCE(MAX(grouped.future), 0) AS future, " +
    "MAX(grouped.priority) AS last_priority, " +
    "COALESCE(MIN(IF(grouped.due, grouped.priority, NULL)) = MIN(grouped.priority), 0) AS first_due, " +
    "CONCAT('[', COALESCE(GROUP_CONCAT(" +
    "IF(grouped.due, grouped.priority, NULL) ORDER BY grouped.priority), ''), ']') AS due_list " +
    "FROM (SELECT UTC_TIMESTAMP(3) AS docket_now) AS clock LEFT JOIN (" +
    "SELECT priority, MIN(scheduled_at) <= UTC_TIMESTAMP(3) AS due, " +
    "MAX(scheduled_at) > UTC_TIMESTAMP(3) AS future " +
    `FROM ${table} WHERE is_complete = 0 GROUP BY is_complete, priority ` +
    `ORDER BY priority LIMIT ${limit}` +
    ") AS grouped ON TRUE) AS probed"
  );
}

/**
 * The claim's priority condition after `foldedProbe`: one range per slot that ends at
 * `scheduled_at <= now` (the variables are constants to the range optimizer, so
 * `ANALYZE FORMAT=JSON` shows a `range` on the claim index with as many rows examined as
 * the LIMIT), plus the open range above `@docket_rest`. Empty slots and a NULL rest match
 * nothing, so a probe that found nothing due makes the SELECT an impossible WHERE.
 */
export function foldedPriorityFilter(slots: number): string {
  const slotList = Array.from(
    { length: slots },
    (_, i) => `CAST(JSON_VALUE(@docket_due, '$[${i}]') AS SIGNED)`,
  ).join(", ");
  return `AND (priority IN (${slotList}) OR priority > @docket_rest) `;
}

/** The row `foldedProbe` returns. */
export interface FoldedProbeRow {
  docket_now: string;
  due_count: number | string;
  future: number | string;
  /** 1 when the lowest priority with unfinished jobs has due ones (see `claim`). */
  first_due: number | string;
}
