/**
 * This hub process among the others on the same database.
 *
 * Each process registers itself and beats every HEARTBEAT_MS; one whose heartbeat is
 * older than LIVE_SECONDS is dead, and what it owned — unfinished transfers, deliveries,
 * leases on channel accounts and on hub-wide jobs — may be taken over by any other.
 * Everything is decided by the database's clock (now()), so the processes' clocks need
 * not agree.
 *
 * Ownership is checked where it matters, in the same statement as the write: a process
 * that lost a transfer while it looked dead (a long pause, a partition) cannot record a
 * submission for it any more, so it never sends a second payment (see the migration).
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { Database, Trx } from '../db/database';
import { Logger } from '../logger';
import { isUnavailable } from '../unavailable';

/** A heartbeat older than this is a dead process (as the migration's process_alive()). */
export const LIVE_SECONDS = 10;
export const HEARTBEAT_MS = 2000;
/** How often a process looks for dead ones' work: within LIVE_SECONDS + this of a death, it is taken over. */
export const TAKEOVER_MS = 5000;

/** Whether a process with this pid runs on this machine (EPERM: it does, as another user). */
function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SQL: the process in column `col` is none, or dead. */
export const ownerGone = (col: string): string => `(${col} is null or not process_alive(${col}))`;

export interface HubProcess {
  readonly id: string;
  /** Register and start beating (a process not started is unknown to the others: fine alone). */
  start(): Promise<void>;
  /** Stop beating, give the leases back and leave: the others may take over at once. */
  stop(): Promise<void>;
  /**
   * Take the lease `name` if nobody alive holds it (or this process does); true if held now.
   * Runs in `trx` when given, so a caller can take several in one transaction.
   */
  lease(name: string, trx?: Trx): Promise<boolean>;
  release(name: string): Promise<void>;
  /** Among `names`, those free to take (no live holder, or held by this process). */
  free(names: string[], trx: Trx): Promise<string[]>;
}

export function createHubProcess(deps: { db: Database; logger: Logger; id?: string }): HubProcess {
  const { db, logger } = deps;
  const id = deps.id ?? randomUUID();
  let timer: NodeJS.Timeout | null = null;
  let beating: Promise<unknown> = Promise.resolve();

  const beat = () => {
    beating = db.hub((trx) => trx('hub_processes').where({ id }).update({ heartbeat_at: trx.fn.now() }))
      .then(async (n) => {
        // Someone removed the row (a dead-process sweep while we were paused): register again.
        if (n === 0) await db.hub((trx) => trx('hub_processes').insert({ id, host: os.hostname(), pid: process.pid }).onConflict('id').merge({ heartbeat_at: trx.fn.now() }));
      })
      .catch((err) => {
        if (isUnavailable(err)) logger.warn({ reason: (err as Error).message }, 'heartbeat missed: the database is unavailable');
        else logger.error({ err }, 'heartbeat failed');
      });
  };

  const take = async (trx: Trx, name: string): Promise<boolean> => {
    const rows = await trx.raw(`
      insert into hub_leases (name, owner) values (?, ?)
      on conflict (name) do update set owner = excluded.owner, taken_at = now()
        where hub_leases.owner = excluded.owner or ${ownerGone('hub_leases.owner')}
      returning name`, [name, id]);
    return rows.rows.length === 1;
  };

  return {
    id,
    async start() {
      await db.hub((trx) => trx('hub_processes').insert({ id, host: os.hostname(), pid: process.pid }).onConflict('id').merge({ heartbeat_at: trx.fn.now() }));
      // A process of this machine that is gone (killed, and this one started in its place)
      // is dead now, not in LIVE_SECONDS: its work is taken over at once.
      const mates: Array<{ id: string; pid: number }> = await db.hub((trx) => trx('hub_processes').where({ host: os.hostname() }).whereNot({ id }).select('id', 'pid'));
      const gone = mates.filter((m) => !pidRuns(m.pid)).map((m) => m.id);
      if (gone.length > 0) await db.hub((trx) => trx('hub_processes').whereIn('id', gone).delete());
      // Forget processes long dead: their leases and rows are claimable either way.
      await db.hub((trx) => trx('hub_processes').where('heartbeat_at', '<', trx.raw(`now() - interval '1 day'`)).delete());
      timer = setInterval(beat, HEARTBEAT_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await beating;
      await db.hub(async (trx) => {
        await trx('hub_leases').where({ owner: id }).update({ owner: null });
        await trx('hub_processes').where({ id }).delete();
      }).catch((err) => logger.warn({ err }, 'could not leave the process registry; the others take over in ' + LIVE_SECONDS + ' s'));
    },
    lease: (name, trx) => (trx ? take(trx, name) : db.hub((t) => take(t, name))),
    async release(name) {
      await db.hub((trx) => trx('hub_leases').where({ name, owner: id }).update({ owner: null }));
    },
    async free(names, trx) {
      if (names.length === 0) return [];
      const held = await trx.raw(`select name from hub_leases where name = any(?) and owner is distinct from ? and not ${ownerGone('owner')}`, [names, id]);
      const busy = new Set((held.rows as Array<{ name: string }>).map((r) => r.name));
      return names.filter((n) => !busy.has(n));
    },
  };
}
