import { enqueueAll, fromDrain, measureOn, type ScenarioContext } from "./context.ts";

/**
 * Drain of a few thousand due jobs at concurrency 10, once in an empty table and once in
 * a deep one (SQLite: future-scheduled rows; Postgres/MySQL: completed history plus
 * future-scheduled rows). Before each timed drain the table is analyzed (Postgres: VACUUM
 * ANALYZE) so both run on fresh statistics, as autovacuum would leave them.
 */
export async function deepDrain(context: ScenarioContext): Promise<void> {
  const { deepDue: n, deepConcurrency, batchSize, drainBudgetMs } = context.counts;
  const history = context.database === "sqlite" ? 0 : context.counts.serverDeepHistory;
  const future =
    context.database === "sqlite"
      ? context.counts.sqliteDeepFuture
      : context.counts.serverDeepFuture;
  for (const system of context.systems) {
    const fillDeep = system.fillDeep?.bind(system);
    if (fillDeep === undefined) continue;
    for (const variant of ["empty", "deep"] as const) {
      await measureOn(context, system, "deep-drain", variant, async () => {
        if (variant === "deep") await fillDeep(history, future);
        await enqueueAll(system, n, batchSize);
        await system.analyze?.();
        return fromDrain(await system.drain(n, deepConcurrency, drainBudgetMs), drainBudgetMs);
      });
    }
  }
}
