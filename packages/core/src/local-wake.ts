/**
 * Process-local wake-ups: an enqueue in this process wakes idle workers of the same
 * queue at once, on every database (Postgres adds cross-process NOTIFY on top).
 * Keyed by the adapter's `queueKey`, which transaction-bound adapters share.
 */
const listeners = new Map<string, Set<() => void>>();

export function onLocalEnqueue(queueKey: string, wake: () => void): () => void {
  let set = listeners.get(queueKey);
  if (set === undefined) {
    set = new Set();
    listeners.set(queueKey, set);
  }
  set.add(wake);
  return () => {
    set.delete(wake);
    if (set.size === 0) listeners.delete(queueKey);
  };
}

export function wakeLocalWorkers(queueKey: string): void {
  const set = listeners.get(queueKey);
  if (set === undefined) return;
  for (const wake of [...set]) wake();
}
