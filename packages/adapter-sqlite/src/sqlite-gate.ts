import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Serialises `transaction(fn)` against every other operation of one adapter.
 *
 * Why: better-sqlite3 gives one connection per `Database`, and a transactional handler's
 * `fn` is async. While its `BEGIN IMMEDIATE ... COMMIT` is open on the adapter's
 * connection, any other statement the worker runs on that connection (a claim, another
 * job's `complete`, a heartbeat) would silently become part of the handler's transaction
 * and commit or roll back with it. So those operations wait here until it ends. Waiting
 * costs nothing extra: the held write transaction blocks every other writer of the file
 * anyway.
 *
 * Calls made from inside the transaction's own async context (the handler itself, e.g.
 * `queueWorkerAddJob(adapter, ...)` or `queueWorkerGetJob(adapter, id)`) can ask to run
 * directly, joining the transaction instead of waiting for it to end (which would
 * deadlock). The worker's own operations (claim, heartbeat, complete) never do: a wake-up
 * triggered from inside a handler must not lease jobs inside that handler's transaction.
 */
export class TransactionGate {
  private static readonly context = new AsyncLocalStorage<object>();
  private active: { token: object; ended: Promise<void> } | null = null;

  /** True while a transaction holds the connection (for any caller, this one included). */
  get busy(): boolean {
    return this.active !== null;
  }

  /** True when the caller runs inside the open transaction's async context. */
  get insideTransaction(): boolean {
    return this.active !== null && TransactionGate.context.getStore() === this.active.token;
  }

  /** Resolves when the current transaction (if any) has ended; callers re-check `busy`. */
  whenIdle(): Promise<void> {
    return this.active?.ended ?? Promise.resolve();
  }

  /** Runs `fn` as the only holder of the connection, marking its async context. */
  async hold<T>(fn: () => Promise<T>): Promise<T> {
    // Re-check after every wake-up: another waiter may have taken the gate first.
    while (this.active !== null) await this.active.ended;
    let release = (): void => {};
    const token = {};
    this.active = { token, ended: new Promise<void>((resolve) => (release = resolve)) };
    try {
      return await TransactionGate.context.run(token, fn);
    } finally {
      this.active = null;
      release();
    }
  }
}
