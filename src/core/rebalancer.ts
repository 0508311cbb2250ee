/**
 * Keeps each community's trader offers right after settlements, so credit freed by a
 * payment back is usable and trade can flow back and clear.
 *
 * Rebalancing is lazy. A payment from X to Y consumes exactly the offers it crossed
 * (what is left of them is still right); what goes stale is the other direction: at Y,
 * the offers that pay out of Y (its clearing offers for the HOUR it now holds, and the
 * room its traders' local trustline gained); at X, the offer that pays into X. So a
 * community is rebalanced `delayMs` after its first settlement, once for all those that
 * came meanwhile (one transaction instead of one per payment), and at once when a
 * payment is about to use the side that went stale (`ready`). At most one rebalance
 * per community runs at a time.
 */
import { unconfined } from '../db/confine';
import { Logger } from '../logger';
import { Keyring } from './keys';
import { Ledger } from './ledger';
import { Community, PEER } from './communities/model';
import { currencyOf } from './communities/currency';

/** What the community did in the settlements since its last rebalance. */
export type Side = 'paid' | 'received';

export interface Rebalancer {
  schedule(c: Community, sides: Side[]): void;
  /**
   * Before a payment from `payerId` to `payeeId`: rebalance now what it would cross
   * stale (the payer after it received, the payee after it paid).
   */
  ready(payerId: string, payeeId: string): Promise<void>;
  /**
   * Rebalance `c` now, after any run in progress (a rate change: the offers must be
   * priced at the new rate before the change is answered, and a run that began at the
   * old rate must not have the last word).
   */
  now(c: Community): Promise<void>;
  /** Rebalance everything pending now; false if nothing was. */
  flush(): Promise<boolean>;
  /** Resolves when nothing is pending or running (tests, shutdown). */
  idle(): Promise<void>;
  /**
   * Runs `fn` while no rebalance of these communities runs: one running is waited for
   * first, and those due meanwhile wait until `fn` ends. A netting clearing deletes and
   * recreates trader offers by id; a rebalance replacing them between the clearing being
   * built and applied would get the whole clearing refused (op_offer_not_found), again
   * and again under a steady stream of payments.
   */
  hold<T>(ids: string[], fn: () => Promise<T>): Promise<T>;
}

interface Pending {
  c: Community;
  sides: Set<Side>;
  timer: NodeJS.Timeout | null;
}

export function createRebalancer(deps: {
  ledger: Ledger; keyring: Keyring; logger: Logger; delayMs?: number;
  /** The community as it is now: a run uses its current rate, not the one it had when scheduled. */
  load?: (id: string) => Promise<Community | null>;
}): Rebalancer {
  const delayMs = deps.delayMs ?? 1000;
  const pending = new Map<string, Pending>();
  const running = new Map<string, { task: Promise<void>; sides: Set<Side> }>();
  /** Communities on hold, and when the hold ends. */
  const held = new Map<string, Promise<void>>();

  const arm = (p: Pending) => {
    p.timer = setTimeout(() => start(p.c.id), delayMs);
    p.timer.unref();
  };

  const start = (id: string): Promise<void> => {
    const busy = running.get(id);
    if (busy) return busy.task; // it re-arms what is pending when it ends
    const until = held.get(id);
    if (until) return until.then(() => start(id));
    const p = pending.get(id);
    if (!p) return Promise.resolve();
    if (p.timer) clearTimeout(p.timer);
    pending.delete(id);
    // The hub's own upkeep, shared by every payment that waits for it: not confined to
    // the communities of the request that happened to start it (db/confine.ts).
    const task = unconfined(() => (async () => {
      try {
        const c = (await deps.load?.(p.c.id)) ?? p.c;
        await deps.ledger.rebalance(currencyOf(c), deps.keyring.lookup(c.id));
      } catch (err) {
        deps.logger.warn({ err, community: p.c.code }, 'rebalance failed; the next settlement retries it');
      }
    })().finally(() => {
      running.delete(id);
      const next = pending.get(id);
      if (next) arm(next);
    }));
    running.set(id, { task, sides: p.sides });
    return task;
  };

  /** Until `side` of community `id` is neither pending nor being rebalanced (a bounded number of runs). */
  const ensure = async (id: string, side: Side): Promise<void> => {
    for (let i = 0; i < 4; i++) {
      const busy = running.get(id);
      if (busy?.sides.has(side)) await busy.task;
      else if (pending.get(id)?.sides.has(side)) await (busy?.task ?? start(id));
      else return;
    }
  };

  const service: Rebalancer = {
    schedule(c, sides) {
      const p = pending.get(c.id);
      if (p) {
        p.c = c;
        for (const s of sides) p.sides.add(s);
        return;
      }
      const fresh: Pending = { c, sides: new Set(sides), timer: null };
      pending.set(c.id, fresh);
      if (!running.has(c.id)) arm(fresh);
    },
    async now(c) {
      service.schedule(c, ['paid', 'received']);
      await ensure(c.id, 'paid');
      await ensure(c.id, 'received');
    },
    async ready(payerId, payeeId) {
      if (pending.size === 0 && running.size === 0) return;
      await Promise.all([ensure(payerId, 'received'), ensure(payeeId, 'paid')]);
    },
    async flush() {
      if (pending.size === 0 && running.size === 0) return false;
      await Promise.all([...new Set([...pending.keys(), ...running.keys()])].map(start));
      await Promise.all([...pending.keys()].map(start));
      return true;
    },
    async idle() {
      while (pending.size > 0 || running.size > 0) {
        await Promise.all([...new Set([...pending.keys(), ...running.keys()])].map(start));
      }
    },
    async hold(ids, fn) {
      const mine = [...new Set(ids)];
      // Holds of the same community queue up behind each other.
      while (mine.some((id) => held.has(id))) await Promise.all(mine.map((id) => held.get(id)));
      let release!: () => void;
      const ends = new Promise<void>((resolve) => { release = resolve; });
      for (const id of mine) held.set(id, ends);
      try {
        await Promise.all(mine.map((id) => running.get(id)?.task));
        return await fn();
      } finally {
        for (const id of mine) held.delete(id);
        release(); // what fell due meanwhile starts now (start waits on the hold)
      }
    },
  };
  return service;
}

/**
 * At start: rebalances due live in memory, so a process that died may have left some
 * undone (after a payment or a netting run it applied). Every community whose trader the
 * hub keeps is checked once, in the background; one whose offers are in line costs a read.
 */
export function checkEveryBook(rebalancer: Rebalancer, communities: Community[]): void {
  for (const c of communities) if (c.kind !== PEER && c.ledgerStatus === 'ready') rebalancer.schedule(c, ['paid', 'received']);
}
