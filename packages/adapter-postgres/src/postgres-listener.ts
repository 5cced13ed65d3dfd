import type { Client, Notification } from "pg";
import { listen } from "./postgres-sql.ts";

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/**
 * The one `LISTEN` connection of an adapter, shared by all its subscribers. It is a
 * dedicated `pg.Client`, not a pool connection: a pooled connection would be handed to
 * other queries and its LISTEN would end with its release.
 *
 * Opened on the first subscriber, closed when the last one leaves or the adapter closes.
 * When the connection drops it reconnects with exponential backoff (100 ms doubling to
 * 5 s) and, once listening again, wakes every subscriber once, since notifications sent
 * while it was away are lost. It never logs: a dead listener only delays wake-ups, and
 * the workers' polling covers the gap.
 */
export class PostgresListener {
  readonly #createClient: () => Client;
  readonly #channel: string;
  readonly #subscribers = new Set<() => void>();
  #client: Client | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #failures = 0;
  /** Bumped whenever the current connection attempt becomes stale (stop, drop). */
  #generation = 0;
  #closed = false;

  constructor(createClient: () => Client, channel: string) {
    this.#createClient = createClient;
    this.#channel = channel;
  }

  subscribe(onWake: () => void): () => void {
    if (this.#closed) return () => {};
    // A wrapper per call, so subscribing the same function twice needs two unsubscribes.
    const subscriber = () => onWake();
    this.#subscribers.add(subscriber);
    if (this.#subscribers.size === 1) void this.#connect(false);
    return () => {
      if (!this.#subscribers.delete(subscriber)) return;
      if (this.#subscribers.size === 0) void this.#stop();
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
    await this.#stop();
  }

  async #connect(reconnecting: boolean): Promise<void> {
    this.#retryTimer = null;
    const generation = ++this.#generation;
    const client = this.#createClient();
    this.#client = client;
    // Without an 'error' listener a dropped socket would crash the process.
    client.on("error", () => this.#dropped(generation, client));
    client.on("end", () => this.#dropped(generation, client));
    client.on("notification", (message: Notification) => {
      if (message.channel === this.#channel) this.#wakeAll();
    });
    try {
      await client.connect();
      await client.query(listen(this.#channel));
    } catch {
      this.#dropped(generation, client);
      return;
    }
    if (generation !== this.#generation) return; // stopped meanwhile; #stop ended it
    this.#failures = 0;
    if (reconnecting) this.#wakeAll();
  }

  #dropped(generation: number, client: Client): void {
    if (generation !== this.#generation) return;
    this.#generation++;
    this.#client = null;
    client.end().catch(() => {});
    if (this.#closed || this.#subscribers.size === 0) return;
    const delay = Math.min(FIRST_RETRY_MS * 2 ** this.#failures, MAX_RETRY_MS);
    this.#failures++;
    this.#retryTimer = setTimeout(() => void this.#connect(true), delay);
    // A pending reconnect alone must not keep the process alive.
    this.#retryTimer.unref();
  }

  async #stop(): Promise<void> {
    this.#generation++;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#failures = 0;
    const client = this.#client;
    this.#client = null;
    if (client !== null) await client.end().catch(() => {});
  }

  #wakeAll(): void {
    for (const subscriber of [...this.#subscribers]) {
      try {
        subscriber();
      } catch {
        // A subscriber's failure must not stop the others from waking.
      }
    }
  }
}
