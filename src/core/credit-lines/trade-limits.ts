/**
 * Effective trade limits (Komunitin issues #778, #779): how far a community can go into
 * surplus or deficit with each other community, derived from the credit lines on both
 * sides and what they carry now — not typed by hand, so the two governing bodies see
 * the same figures (A's surplus with B is B's deficit with A, by the same arithmetic).
 *
 * With B, community A can still
 *   sell (surplus): the room on the line A grants B (it takes more of B's HOUR), plus what
 *     B holds of A's HOUR (B pays A back with it first);
 *   buy (deficit): the room on the line B grants A, plus what A holds of B's HOUR.
 * In total, A's trader also bounds it: it pays incoming value out in local currency it
 * holds (surplus), and takes local in up to its maximum balance (deficit). Direct lines
 * only: a ripple through a third community adds to these, within that one's limits.
 */
import { fromHour, toHour } from '../amounts';
import { currencyOf } from '../communities/currency';
import { Community } from '../communities/model';
import { Ledger } from '../ledger';
import { CreditLine } from './model';

export interface PairLimits {
  peer: Community;
  /** HOUR stroops. */
  surplus: bigint;
  deficit: bigint;
}

export interface TradeLimits {
  community: Community;
  pairs: PairLimits[];
  /** HOUR stroops: Σ pairs, each bounded by what the trader can pay out / take in. */
  surplus: bigint;
  deficit: bigint;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);

export async function tradeLimits(
  deps: { ledger: Ledger; creditLines: { list(truster: Community): Promise<CreditLine[]> }; communities: { list(): Promise<Community[]> } }, c: Community,
): Promise<TradeLimits> {
  const all = await deps.communities.list();
  const rate = (x: Community) => ({ n: x.rateN, d: x.rateD });
  const held = async (x: Community) => new Map((await deps.ledger.traderLines(currencyOf(x))).map((l) => [l.externalIssuer, l]));
  const mine = await held(c);
  const granted = new Map((await deps.creditLines.list(c)).map((l) => [l.peerId, l.limit]));
  const pairs: PairLimits[] = [];
  for (const peer of all) {
    if (peer.id === c.id || peer.ledgerStatus !== 'ready' || c.ledgerStatus !== 'ready') continue;
    const toPeer = (await deps.creditLines.list(peer).catch(() => [])).find((l) => l.peerId === c.id)?.limit ?? 0n;
    const fromPeer = granted.get(peer.id) ?? 0n;
    if (toPeer === 0n && fromPeer === 0n) continue;
    // What each trader holds of the other's HOUR, from the ledger.
    const iHold = mine.get(peer.ledgerAccounts.externalIssuer)?.balance ?? 0n;
    const theyHold = peer.kind === 'peer' ? 0n : ((await held(peer)).get(c.ledgerAccounts.externalIssuer)?.balance ?? 0n);
    const room = (limitUnits: bigint, truster: Community, used: bigint) => {
      const r = toHour(limitUnits, rate(truster), 'down') - used;
      return r > 0n ? r : 0n;
    };
    pairs.push({
      peer,
      surplus: room(fromPeer, c, iHold) + theyHold,
      deficit: room(toPeer, peer, theyHold) + iHold,
    });
  }
  const trader = await deps.ledger.inspectAccount(currencyOf(c), c.ledgerAccounts.externalTrader);
  const payOut = toHour(trader?.balance ?? 0n, rate(c), 'down');
  const takeIn = toHour((trader?.limit ?? 0n) - (trader?.balance ?? 0n), rate(c), 'down');
  const sum = (f: (p: PairLimits) => bigint) => pairs.reduce((s, p) => s + f(p), 0n);
  return { community: c, pairs, surplus: min(sum((p) => p.surplus), payOut), deficit: min(sum((p) => p.deficit), takeIn) };
}

/** HOUR stroops in a community's units (rounded down: a limit never promises more). */
export const inUnits = (hour: bigint, c: Community): bigint => fromHour(hour, { n: c.rateN, d: c.rateD }, 'down');
