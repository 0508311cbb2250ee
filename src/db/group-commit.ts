/**
 * Group commit: many small writes (or reads) that arrive together share one database
 * transaction, and each caller still gets its own answer.
 *
 * Protocols that answer their caller synchronously do several small transactions per
 * request (a Hawk nonce, the look-up of a delivery, its outcome). One transaction each
 * made them the hub's busiest work; worse on the embedded database, which runs one
 * transaction at a time and holds every other back for each round trip of it. A group
 * is what arrived in one turn of the event loop or, while the previous group is being
 * written, everything that arrives until it ends: the busier the hub, the larger the
 * groups and the fewer the transactions. One group at a time also on a PostgreSQL
 * server: measured (bench/cxp.ts), letting four run side by side gave smaller groups,
 * more statements, and a higher latency at 100 requests/s. A failed transaction fails
 * no one yet: its members are written again one by one, and only those that fail alone
 * are refused. A database that cannot be reached fails the whole group at once (see
 * database.ts, which retries lost connections first).
 */
import { Database, Trx, enterCommunity } from './database';
import { isUnavailable } from '../unavailable';
import { unconfined } from './confine';

export function groupCommit<I, O>(run: (items: I[]) => Promise<Array<O | Error>>): (item: I) => Promise<O> {
  let pending: Array<{ item: I; resolve(o: O): void; reject(e: unknown): void }> | null = null;
  let scheduled = false;
  let writing = false;
  const flush = async () => {
    scheduled = false;
    const batch = pending;
    if (!batch) return;
    pending = null;
    writing = true;
    try {
      const out = await run(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const o = out[i];
        if (o instanceof Error) p.reject(o);
        else p.resolve(o);
      });
    } catch (err) {
      // The group's transaction was undone whole: each is written again alone, so one
      // caller's failure (a value the database refuses) does not reach the others. An
      // outage is everyone's (the database already retried it): all are told at once.
      if (batch.length === 1 || isUnavailable(err)) for (const p of batch) p.reject(err);
      else {
        for (const p of batch) {
          try {
            const [o] = await run([p.item]);
            if (o instanceof Error) p.reject(o);
            else p.resolve(o);
          } catch (e) {
            p.reject(e);
          }
        }
      }
    } finally {
      writing = false;
      schedule();
    }
  };
  const schedule = () => {
    if (scheduled || !pending || writing) return;
    scheduled = true;
    // The group is everyone's in it, not the request that happened to open it.
    unconfined(() => setImmediate(() => void flush()));
  };
  return (item) => new Promise<O>((resolve, reject) => {
    (pending ??= []).push({ item, resolve, reject });
    schedule();
  });
}

/**
 * One transaction over the communities of a group, entering each in turn (RLS admits
 * one at a time). A group of a single community, the usual case, runs scoped to it from
 * the start: one round trip less.
 */
export function acrossCommunities<T>(db: Database, ids: string[], fn: (trx: Trx, enter: (id: string) => Promise<void>) => Promise<T>): Promise<T> {
  if (ids.length === 1) return db.community(ids[0], (trx) => fn(trx, async () => undefined));
  return db.hub((trx) => fn(trx, (id) => enterCommunity(trx, id)));
}

/** Items by community, in order of first appearance. */
export function byCommunity<I extends { communityId: string }>(items: I[]): Map<string, I[]> {
  const out = new Map<string, I[]>();
  for (const i of items) out.set(i.communityId, [...(out.get(i.communityId) ?? []), i]);
  return out;
}
