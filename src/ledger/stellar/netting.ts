/**
 * One clearing on the ledger: for each leg, the creditor's trader hands `amount` of the
 * debtor's HOUR back to the debtor's trader — as a payment back through the book would,
 * without moving any local currency. A group of legs that forms a circulation is one
 * transaction, so it applies wholly or not at all and no community's net position ever
 * moves, even between the transactions of a run.
 *
 * The trader's passive offer selling that foreign HOUR holds its whole balance as selling
 * liabilities, so the transaction deletes that offer first and puts it back, sized to
 * what is left, after the payment. If a payment consumed the offer or the balance
 * meanwhile, an operation fails and so does the transaction: nothing moves, and the run
 * reads the positions again. The other offers that the clearing leaves stale (the room on
 * the lines grows) are the rebalancer's, as after any payment.
 */
import { Operation, xdr } from '@stellar/stellar-sdk';
import { formatAmount } from '../../core/amounts';
import { KeyLookup, LedgerCurrency } from '../../core/ledger';
import { assetFromRecord, assetId, hourAsset } from './assets';
import { CurrencyDeps, balanceOf, keypairs } from './currency';

export interface ClearingLeg {
  debtor: LedgerCurrency;
  creditor: LedgerCurrency;
  /** HOUR stroops of the debtor's HOUR the creditor's trader hands back. */
  amount: bigint;
}

export type ClearingOutcome =
  | { ok: true; hash: string; ledger: number; operations: number }
  | { ok: false; code: string };

const amount = (s: bigint): string => formatAmount(s);

/** Operations of one clearing transaction, from the traders as the ledger has them now. */
export async function clearingOps(d: CurrencyDeps, legs: ClearingLeg[]): Promise<xdr.Operation[]> {
  const ops: xdr.Operation[] = [];
  const recreate: xdr.Operation[] = [];
  const byCreditor = new Map<string, ClearingLeg[]>();
  for (const l of legs) byCreditor.set(l.creditor.accounts.externalTrader, [...(byCreditor.get(l.creditor.accounts.externalTrader) ?? []), l]);
  for (const [trader, mine] of byCreditor) {
    const account = await d.server.loadAccount(trader);
    const offers = await d.server.offers().forAccount(trader).limit(200).call();
    const own = hourAsset(mine[0].creditor);
    const creates: xdr.Operation[] = [];
    for (const l of mine) {
      const foreign = hourAsset(l.debtor);
      const held = balanceOf(account, foreign)?.balance ?? 0n;
      if (held < l.amount) throw new Error(`${l.creditor.code}'s trader holds ${amount(held)} of ${l.debtor.code}'s HOUR, less than the ${amount(l.amount)} to clear`);
      for (const o of offers.records) {
        if (assetId(assetFromRecord(o.selling)) !== assetId(foreign)) continue;
        ops.push(Operation.manageSellOffer({ source: trader, selling: foreign, buying: assetFromRecord(o.buying), amount: '0', price: o.price_r, offerId: o.id }));
      }
      ops.push(Operation.payment({ source: trader, destination: l.debtor.accounts.externalTrader, asset: foreign, amount: amount(l.amount) }));
      const left = held - l.amount;
      if (left > 0n) creates.push(Operation.createPassiveSellOffer({ source: trader, selling: foreign, buying: own, amount: amount(left), price: { n: 1, d: 1 } }));
    }
    if (creates.length > 0) {
      recreate.push(Operation.beginSponsoringFutureReserves({ source: d.sponsor.publicKey(), sponsoredId: trader }), ...creates,
        Operation.endSponsoringFutureReserves({ source: trader }));
    }
  }
  return [...ops, ...recreate];
}

/** Submits one clearing transaction; `onSubmit` records its hash before it is sent. */
export async function settleClearing(
  d: CurrencyDeps, legs: ClearingLeg[], keys: KeyLookup, onSubmit?: (s: { hash: string; envelope: string }) => Promise<void>,
): Promise<ClearingOutcome> {
  const ops = await clearingOps(d, legs);
  const sources = [...new Set(legs.map((l) => l.creditor.accounts.externalTrader))];
  const signers = [...(ops.some((o) => Operation.fromXDRObject(o).source === d.sponsor.publicKey()) ? [d.sponsor] : []), ...(await keypairs(keys, ...sources))];
  const o = await d.submit({ ops, signers, solo: true, maintenance: true, onSubmit });
  return o.ok ? { ok: true, hash: o.hash, ledger: o.ledger, operations: ops.length } : { ok: false, code: o.code };
}

