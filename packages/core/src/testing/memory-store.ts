import { DocketError } from "../errors.ts";

/**
 * One stored job. Times are epoch milliseconds and `data` stays JSON text, so a row is a
 * plain immutable value: every change replaces the row, never edits it, which makes a
 * shallow copy of the table a full snapshot (docs/adapters.md, memory adapter).
 */
export interface MemoryJobRow {
  readonly id: number;
  readonly name: string;
  readonly dataJson: string;
  readonly priority: number;
  readonly scheduledAt: number;
  readonly handlerTimeout: number | null;
  readonly retryCount: number;
  readonly isComplete: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly lockedBy: string | null;
  readonly lockedUntil: number | null;
  readonly lastError: string | null;
  readonly completedAt: number | null;
  readonly failedAt: number | null;
  readonly cronExpression: string | null;
  readonly cancelledAt: number | null;
}

/** Everything a transaction can roll back: the job table and the test marker list. */
export interface MemoryState {
  jobs: Map<number, MemoryJobRow>;
  markers: string[];
}

export function snapshotState(state: MemoryState): MemoryState {
  return { jobs: new Map(state.jobs), markers: [...state.markers] };
}

let storeCounter = 0;

/**
 * The "database" several adapters can share (`reopen`). Committed state lives in
 * `state`; writers take turns through a promise queue so a transaction that spans awaits
 * never interleaves with another writer, while readers see the last committed state.
 */
export class MemoryStore {
  readonly key = `memory:${++storeCounter}`;
  state: MemoryState = { jobs: new Map(), markers: [] };
  /** Ids keep increasing across rollbacks, like a database sequence. */
  private lastId = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(readonly clock: () => number) {}

  nextId(): number {
    return ++this.lastId;
  }

  /** Runs `fn` once every earlier writer (and open transaction) has finished. */
  serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/**
 * Where an adapter reads and writes: the committed store (each write atomic, on a copy
 * swapped in when it succeeds) or an open transaction's private working copy.
 */
export interface MemoryScope {
  read(): MemoryState;
  write<T>(fn: (state: MemoryState) => T): Promise<T>;
}

export class CommittedScope implements MemoryScope {
  constructor(private readonly store: MemoryStore) {}

  read(): MemoryState {
    return this.store.state;
  }

  write<T>(fn: (state: MemoryState) => T): Promise<T> {
    return this.store.serial(() => {
      const draft = snapshotState(this.store.state);
      const result = fn(draft);
      this.store.state = draft;
      return result;
    });
  }
}

export class TransactionScope implements MemoryScope {
  open = true;

  constructor(public state: MemoryState) {}

  read(): MemoryState {
    this.assertOpen();
    return this.state;
  }

  write<T>(fn: (state: MemoryState) => T): Promise<T> {
    try {
      this.assertOpen();
      // A failed write leaves the working copy as it was (statement atomicity).
      const draft = snapshotState(this.state);
      const result = fn(draft);
      this.state = draft;
      return Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A savepoint: `fn`'s writes are undone when it rejects. */
  async nested<T>(fn: () => Promise<T>): Promise<T> {
    const savepoint = snapshotState(this.read());
    try {
      return await fn();
    } catch (error) {
      if (this.open) this.state = savepoint;
      throw error;
    }
  }

  private assertOpen(): void {
    if (!this.open) {
      throw new DocketError(
        "closed",
        "the memory transaction has already committed or rolled back",
      );
    }
  }
}

/**
 * The handle handlers get as `db` (the memory adapter's "driver"): a marker list that
 * takes part in transactions, enough for tests of transactional handlers, and `begin()`
 * for a transaction the application owns (pass it to `adapter.withTransaction`).
 */
export class MemoryDb {
  constructor(
    readonly store: MemoryStore,
    readonly scope: MemoryScope,
  ) {}

  writeMarker(marker: string): Promise<void> {
    return this.scope.write((state) => void state.markers.push(marker));
  }

  async countMarkers(marker: string): Promise<number> {
    return this.scope.read().markers.filter((written) => written === marker).length;
  }

  /** Opens a transaction; it holds the store's writer turn until `commit` or `rollback`. */
  async begin(): Promise<MemoryTransaction> {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await new Promise<void>((acquired) => {
      void this.store.serial(() => {
        acquired();
        return held;
      });
    });
    const scope = new TransactionScope(snapshotState(this.store.state));
    return new MemoryTransaction(this.store, scope, release);
  }
}

export class MemoryTransaction extends MemoryDb {
  constructor(
    store: MemoryStore,
    override readonly scope: TransactionScope,
    private readonly release: () => void,
  ) {
    super(store, scope);
  }

  async commit(): Promise<void> {
    this.store.state = this.scope.read();
    this.end();
  }

  async rollback(): Promise<void> {
    this.end();
  }

  private end(): void {
    this.scope.open = false;
    this.release();
  }
}
