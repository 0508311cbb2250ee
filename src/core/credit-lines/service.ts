/**
 * Credit lines between communities: A accepts up to L (A's units) of B's HOUR, which is
 * A's external trader trusting B's HOUR with that limit; the ledger enforces it
 * atomically on every payment. The two directions are independent. The service keeps
 * the hub-wide graph of lines in memory so transfers can tell "no path" from "full".
 */
import { TradeLimits, tradeLimits } from './trade-limits';
import { Database } from '../../db/database';
import { isAmountError, parseAmount, toHour } from '../amounts';
import { audit } from '../audit';
import { Keyring } from '../keys';
import { Ledger, LedgerError } from '../ledger';
import { currencyOf } from '../communities/currency';
import { Community } from '../communities/model';
import { CreditLineError } from './errors';
import { CreditLine } from './model';

export interface CreditLineService {
  /** Set, raise, lower or (limit 0) remove the line `truster` extends to `peer`. */
  set(truster: Community, peer: Community, limit: string, actor: string): Promise<CreditLine | null | CreditLineError>;
  list(truster: Community): Promise<CreditLine[]>;
  /** What is outstanding on the line, in truster units. */
  usage(truster: Community, peer: Community): Promise<bigint>;
  /**
   * Are the two communities linked by a chain of credit lines (either direction, ≤ maxHops)?
   * Value can flow along a line one way by credit and back by clearing, so a linked pair
   * that finds no path has a full line, while an unlinked pair has no path at all.
   */
  connected(a: string, b: string, maxHops?: number): boolean;
  /** Shortest chain of communities linked by lines, payer first, payee last (≤ maxHops lines). */
  route(payerId: string, payeeId: string, maxHops?: number): string[] | null;
  /** Load the graph (at start). */
  load(): Promise<void>;
  /** How far `c` can go into surplus and deficit with each of `others` and in total, from the lines both ways (trade-limits.ts). */
  tradeLimits(c: Community, others: Community[]): Promise<TradeLimits>;
}

/** The change topic of credit lines (db/changes.ts): detail `truster>peer:1` set, `:0` removed. */
export const CREDIT_LINES_TOPIC = 'credit-lines';
const TOPIC = CREDIT_LINES_TOPIC;

export function createCreditLineService(deps: { db: Database; ledger: Ledger; keyring: Keyring }): CreditLineService {
  const { db, ledger, keyring } = deps;
  /** Lines as "truster>peer" keys, and each community's neighbours either way. */
  let lines = new Set<string>();
  const neighbours = (c: string): string[] => {
    const out: string[] = [];
    for (const k of lines) {
      const [t, p] = k.split('>');
      if (t === c) out.push(p);
      else if (p === c) out.push(t);
    }
    return out;
  };
  /** Links made while a load() reads the table, made again on the graph it swaps in. */
  let during: Array<[string, string, boolean]> | null = null;
  const link = (truster: string, peer: string, on: boolean) => {
    during?.push([truster, peer, on]);
    if (on) lines.add(`${truster}>${peer}`); else lines.delete(`${truster}>${peer}`);
  };

  // Another hub process on the database set or removed a line: the same link here. One
  // whose news may have been lost (at start, after its connection was lost) loads again.
  let reloading: Promise<void> | null = null;
  let again = false;
  const reload = (): void => {
    if (reloading) { again = true; return; }
    reloading = service.load()
      .catch(() => {}) // the next change or reset tries again; payments meanwhile use what is known
      .finally(() => { reloading = null; if (again) { again = false; reload(); } });
  };
  db.changes.subscribe(TOPIC, (change) => {
    const m = /^([^>]+)>([^:]+):([01])$/.exec(change.detail ?? '');
    if (change.reset || !m) reload();
    else link(m[1], m[2], m[3] === '1');
  });

  const service: CreditLineService = {
    async set(truster, peer, limitText, actor) {
      if (truster.id === peer.id) return CreditLineError.Self;
      // A peer community's lines are set by its own server, which holds its trader's key.
      if (truster.kind === 'peer') return CreditLineError.UnknownCommunity;
      const limit = parseAmount(limitText, { allowZero: true });
      if (isAmountError(limit)) return CreditLineError.InvalidLimit;
      // The ledger holds the line in HOUR stroops: a limit worth less than one would be no line at all.
      if (limit > 0n && toHour(limit, { n: truster.rateN, d: truster.rateD }, 'down') === 0n) return CreditLineError.RoundsToNothing;
      if (truster.ledgerStatus !== 'ready' || peer.ledgerStatus !== 'ready') return CreditLineError.NotReady;
      const before = await db.community(truster.id, async (trx) => CreditLine.query(trx).findOne({ peer_id: peer.id }));
      const r = await ledger.setCreditLine(currencyOf(truster), currencyOf(peer), limit, keyring.lookup(truster.id));
      if (r === LedgerError.BelowOutstanding) return CreditLineError.BelowOutstanding;
      const after = await db.community(truster.id, async (trx) => {
        await audit(trx, {
          actor, action: limit === 0n ? 'credit-line.remove' : 'credit-line.set', subject: `credit-line:${truster.code}→${peer.code}`,
          before: before ? { limit: before.limit } : null, after: limit === 0n ? null : { limit },
        });
        // The other hub processes link it when this commits (db/changes.ts).
        await db.changes.publish(TOPIC, `${truster.id}>${peer.id}:${limit > 0n ? 1 : 0}`, trx);
        if (limit === 0n) {
          await CreditLine.query(trx).delete().where({ peer_id: peer.id });
          return null;
        }
        if (before) return CreditLine.query(trx).patchAndFetchById([truster.id, peer.id], { limit });
        return CreditLine.query(trx).insertAndFetch({ communityId: truster.id, peerId: peer.id, limit });
      });
      link(truster.id, peer.id, limit > 0n);
      return after;
    },

    list: (truster) => db.community(truster.id, async (trx) => CreditLine.query(trx).orderBy('created_at')),

    usage: (truster, peer) => ledger.creditLineUsage(currencyOf(truster), currencyOf(peer)),

    connected(a, b, maxHops = 4) {
      return this.route(a, b, maxHops) !== null;
    },

    route(payerId, payeeId, maxHops = 4) {
      const parent = new Map<string, string>([[payerId, '']]);
      let frontier = [payerId];
      for (let hop = 0; hop < maxHops && frontier.length > 0; hop++) {
        const next: string[] = [];
        for (const c of frontier) {
          for (const n of neighbours(c)) {
            if (parent.has(n)) continue;
            parent.set(n, c);
            if (n === payeeId) {
              const out = [n];
              for (let p = c; p; p = parent.get(p)!) out.unshift(p);
              return out;
            }
            next.push(n);
          }
        }
        frontier = next;
      }
      return null;
    },

    async load() {
      // Built aside and swapped in whole: a payment routed meanwhile sees the old graph, not
      // half of one; a line set while the table is read is set again on the new graph.
      const loaded = new Set<string>();
      const made: Array<[string, string, boolean]> = [];
      during = made;
      try {
        const communities = await db.hub(async (trx) => Community.query(trx).select('id'));
        for (const c of communities) {
          const rows = await db.community(c.id, async (trx) => CreditLine.query(trx));
          for (const l of rows) if (l.limit > 0n) loaded.add(`${l.communityId}>${l.peerId}`);
        }
      } finally {
        if (during === made) during = null;
      }
      lines = loaded;
      for (const [t, p, on] of made) link(t, p, on);
    },
    tradeLimits: (c, others) => tradeLimits({ ledger, creditLines: service, communities: { list: async () => others } }, c),
  };
  return service;
}
