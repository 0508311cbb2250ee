/**
 * Changes one hub process makes that the others keep in memory: the credit-line graph,
 * the protocols' briefly cached exchange rows. Several processes on one PostgreSQL
 * server (docs/scale-out.md) hear of them through LISTEN/NOTIFY on one channel.
 *
 * - A change published inside the transaction that makes it (`publish(topic, detail,
 *   trx)`) reaches the others when, and only if, that transaction commits: PostgreSQL
 *   holds a transaction's notifications until its commit.
 * - Subscribers hear the other processes' changes only: this process already applied its
 *   own where it made them, synchronously.
 * - A process that may have missed some — its listening connection was lost, and is back —
 *   hears `{ reset: true }` on every topic, and reloads what it keeps.
 *
 * The embedded database is one process: nothing is sent or listened for there.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Knex } from 'knex';

/** The one NOTIFY channel of the hub's processes. */
export const CHANGES_CHANNEL = 'intertrade_changes';

export interface Change {
  topic: string;
  /** What changed, as the topic's publisher writes it (e.g. a credit line); absent: "something". */
  detail?: string;
  /** Notifications may have been missed: reload everything this topic covers. */
  reset?: boolean;
}

export interface Changes {
  /**
   * Tell the other hub processes that `topic` changed: with `trx`, when it commits;
   * without, at once (after the change has committed, e.g. a cache's forget()).
   */
  publish(topic: string, detail?: string, trx?: Knex.Transaction): Promise<void>;
  /** Hear the other processes' changes of `topic` (listening starts at the first subscriber); unsubscribe. */
  subscribe(topic: string, fn: (change: Change) => void): () => void;
  close(): Promise<void>;
}

/** Waits before listening again after the connection was lost (the last repeats). */
const RECONNECT_MS = [200, 1000, 2000, 5000];

/**
 * `connection`: the server's connection string; null for the embedded database (one
 * process, so a bus that only keeps its subscribers). `publishWith` runs a statement on
 * the pool (outside a transaction).
 */
export function createChanges(opts: {
  connection: string | null;
  publishWith: (sql: string, bindings: unknown[]) => Promise<unknown>;
  onError?: (err: Error, what: string) => void;
}): Changes {
  const origin = randomUUID();
  const subscribers = new Map<string, Set<(change: Change) => void>>();
  let client: Client | null = null;
  let closed = false;
  let listening = false;
  let attempt = 0;
  let retry: NodeJS.Timeout | null = null;

  const dispatch = (change: Change) => {
    for (const fn of subscribers.get(change.topic) ?? []) {
      try {
        fn(change);
      } catch (err) {
        opts.onError?.(err as Error, `a subscriber of ${change.topic}`);
      }
    }
  };
  const resetAll = () => { for (const topic of subscribers.keys()) dispatch({ topic, reset: true }); };

  const listen = async (): Promise<void> => {
    if (closed || !opts.connection) return;
    const c = new Client({ connectionString: opts.connection });
    client = c;
    const lost = (err?: Error) => {
      if (client !== c) return; // already handled
      client = null;
      c.removeAllListeners();
      c.on('error', () => {});
      c.end().catch(() => {});
      if (closed) return;
      opts.onError?.(err ?? new Error('connection ended'), 'listening for other hub processes\' changes');
      const wait = RECONNECT_MS[Math.min(attempt++, RECONNECT_MS.length - 1)];
      retry = setTimeout(() => { retry = null; void listen(); }, wait);
      retry.unref();
    };
    c.on('error', lost);
    c.on('end', () => lost());
    c.on('notification', (n) => {
      if (n.channel !== CHANGES_CHANNEL || !n.payload) return;
      let msg: { from?: string; topic?: string; detail?: string };
      try {
        msg = JSON.parse(n.payload) as typeof msg;
      } catch {
        return; // not ours
      }
      if (msg.from === origin || typeof msg.topic !== 'string') return;
      dispatch({ topic: msg.topic, ...(typeof msg.detail === 'string' ? { detail: msg.detail } : {}) });
    });
    try {
      await c.connect();
      await c.query(`listen ${CHANGES_CHANNEL}`);
      attempt = 0;
      // What was published before this connection listened (at start, after a loss) is
      // lost to it: whatever the subscribers keep is reloaded.
      resetAll();
    } catch (err) {
      lost(err as Error);
    }
  };

  return {
    async publish(topic, detail, trx) {
      if (!opts.connection) return; // the embedded database: no other process to tell
      const payload = JSON.stringify({ from: origin, topic, ...(detail !== undefined ? { detail } : {}) });
      const sql = 'select pg_notify(?, ?)';
      if (trx) await trx.raw(sql, [CHANGES_CHANNEL, payload]);
      else await opts.publishWith(sql, [CHANGES_CHANNEL, payload]);
    },
    subscribe(topic, fn) {
      let set = subscribers.get(topic);
      if (!set) subscribers.set(topic, (set = new Set()));
      set.add(fn);
      if (!listening && opts.connection) {
        listening = true;
        void listen();
      }
      return () => { set!.delete(fn); };
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners();
        c.on('error', () => {});
        await c.end().catch(() => {});
      }
    },
  };
}

/**
 * A cache's forget(), for every process: clears it here at once and tells the others,
 * which clear theirs when they hear it (or when they may have missed something).
 */
export function sharedForget(changes: Changes, topic: string, clear: () => void, onError?: (err: Error) => void): () => void {
  changes.subscribe(topic, () => clear());
  return () => {
    clear();
    changes.publish(topic).catch((err: Error) => onError?.(err));
  };
}
