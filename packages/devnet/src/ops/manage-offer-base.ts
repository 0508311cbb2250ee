/**
 * What manageSellOffer, manageBuyOffer and createPassiveSellOffer share, after
 * stellar-core's ManageOfferOpFrameBase (protocol ≥ 14): trust and auth checks,
 * the reserve of a new offer taken up front, liabilities checks, crossing with
 * NORMAL rounding, and the remainder placed on the book through adjustOffer.
 *
 * "sheep" is what the source sells, "wheat" what it buys; `price` is always the
 * book price (wheat per sheep), i.e. the inverse of a buy offer's price.
 */
import { xdr } from '@stellar/stellar-sdk';
import { AssetKey, NATIVE, OfferEntry, PASSIVE_FLAG, Price, comparePrice } from '../state/entries';
import { addBalance, availableBalance, balanceOf, holding, holdingAuthorized, maxReceive } from '../state/balances';
import { createSubentry, removeSubentry } from '../state/sponsorship';
import { adjustOffer, buyOfferLiabilities, offerLiabilities } from '../exchange';
import {
  ClaimedOffer, FilterResult, MAX_OFFERS_TO_CROSS, acquireLiabilities, canBuyAtMost, canSellAtMost,
  convertWithOffers, releaseLiabilities, reportTrades,
} from '../offers';
import { OpContext } from './types';
import { accountXdr, assetXdr, int64 } from './dex-format';
import { claimAtoms } from './path-payment-base';

export type ManageOfferCode =
  | 'op_success' | 'op_malformed' | 'op_sell_no_trust' | 'op_buy_no_trust' | 'sell_not_authorized'
  | 'buy_not_authorized' | 'op_line_full' | 'op_underfunded' | 'op_cross_self' | 'op_sell_no_issuer'
  | 'buy_no_issuer' | 'op_offer_not_found' | 'op_low_reserve'
  // operation-level codes (opTOO_MANY_SUBENTRIES, opTOO_MANY_SPONSORING, opEXCEEDED_WORK_LIMIT)
  | 'op_too_many_subentries' | 'op_too_many_sponsoring' | 'op_exceeded_work_limit';

export interface OfferSpec {
  readonly kind: 'sell' | 'buy';
  readonly sheep: AssetKey;
  readonly wheat: AssetKey;
  readonly offerId: bigint;
  /** Book price: wheat per sheep. */
  readonly price: Price;
  /** Amount to sell (sell offers) or to buy (buy offers); 0 deletes. */
  readonly amount: bigint;
  readonly passiveOnCreate: boolean;
}

export interface ManageOfferOutcome {
  readonly code: ManageOfferCode;
  readonly effect?: 'created' | 'updated' | 'deleted';
  readonly offer?: OfferEntry;
  readonly claimed: ClaimedOffer[];
}

/** doCheckValid: both assets valid and distinct, amount ≥ 0, price > 0, a real offer to delete. */
export function checkOfferSpec(spec: OfferSpec, assetsValid: boolean): boolean {
  if (!assetsValid || spec.sheep === spec.wheat) return false;
  if (spec.amount < 0n || spec.price.n <= 0 || spec.price.d <= 0) return false;
  if (spec.offerId === 0n && spec.amount === 0n) return false;
  return spec.offerId >= 0n;
}

/** The op's own cap on sending (sell offers) or receiving (buy offers). */
function applyLimits(spec: OfferSpec, maxSheepSend: bigint, sheepSent: bigint, maxWheatReceive: bigint, wheatReceived: bigint): [bigint, bigint] {
  if (spec.kind === 'sell') {
    const cap = spec.amount - sheepSent;
    return [cap < maxSheepSend ? cap : maxSheepSend, maxWheatReceive];
  }
  const cap = spec.amount - wheatReceived;
  return [maxSheepSend, cap < maxWheatReceive ? cap : maxWheatReceive];
}

function opLiabilities(spec: OfferSpec): { buying: bigint; selling: bigint } {
  return spec.kind === 'sell' ? offerLiabilities(spec.price, spec.amount) : buyOfferLiabilities(spec.price, spec.amount);
}

/** checkOfferValid: the source can hold both assets and is authorized for them. */
function checkOfferValid(ctx: OpContext, spec: OfferSpec): ManageOfferCode | null {
  if (spec.sheep !== NATIVE) {
    const h = holding(ctx.state, ctx.sourceId, spec.sheep);
    if (!h) return 'op_sell_no_trust';
    if (balanceOf(h) === 0n) return 'op_underfunded';
    if (!holdingAuthorized(h)) return 'sell_not_authorized';
  }
  if (spec.wheat !== NATIVE) {
    const h = holding(ctx.state, ctx.sourceId, spec.wheat);
    if (!h) return 'op_buy_no_trust';
    if (!holdingAuthorized(h)) return 'buy_not_authorized';
  }
  return null;
}

export function applyManageOffer(ctx: OpContext, spec: OfferSpec): ManageOfferOutcome {
  const { state, sourceId } = ctx;
  const base = ctx.header.baseReserve;
  const fail = (code: ManageOfferCode): ManageOfferOutcome => ({ code, claimed: [] });
  const deleting = spec.amount === 0n;
  if (!deleting) {
    const invalid = checkOfferValid(ctx, spec);
    if (invalid) return fail(invalid);
  }

  let creating = false;
  let flags: number;
  let sponsor: string | null;
  if (spec.offerId !== 0n) {
    const old = state.getOffer(spec.offerId);
    if (!old || old.sellerId !== sourceId) return fail('op_offer_not_found');
    // Free the old offer's liabilities so its balance backs the new terms; its
    // reserve (subentry) stays until we know whether an offer remains.
    releaseLiabilities(state, base, old);
    flags = old.flags;
    sponsor = old.sponsor;
    state.deleteOffer(old.offerId);
  } else {
    creating = true;
    flags = spec.passiveOnCreate ? PASSIVE_FLAG : 0;
    // The reserve of a new offer is taken before crossing, even if it fully crosses.
    const r = createSubentry(state, base, sourceId);
    switch (r.result) {
      case 'success': break;
      case 'low_reserve': return fail('op_low_reserve');
      case 'too_many_subentries': return fail('op_too_many_subentries');
      case 'too_many_sponsoring': return fail('op_too_many_sponsoring');
      default: throw new Error(`manage offer: unexpected sponsorship result ${r.result}`);
    }
    sponsor = r.sponsor;
  }

  let amount = 0n;
  let claimed: ClaimedOffer[] = [];
  if (!deleting) {
    const sheepH = holding(state, sourceId, spec.sheep)!;
    const wheatH = holding(state, sourceId, spec.wheat)!;
    const liab = opLiabilities(spec);
    // Raw (possibly negative) limits, as stellar-core, so a negative room is LINE_FULL/UNDERFUNDED.
    if (maxReceive(wheatH) < liab.buying) return fail('op_line_full');
    if (availableBalance(sheepH, base) < liab.selling) return fail('op_underfunded');
    const [maxSheepSend, maxWheatReceive] = applyLimits(spec, canSellAtMost(sheepH, base), 0n, canBuyAtMost(wheatH), 0n);
    if (maxWheatReceive === 0n) return fail('op_line_full');

    const passive = (flags & PASSIVE_FLAG) !== 0;
    const maxWheatPrice: Price = { n: spec.price.d, d: spec.price.n };
    const filter = (o: OfferEntry): FilterResult => {
      const cmp = comparePrice(o.price, maxWheatPrice);
      if (cmp > 0 || (passive && cmp === 0)) return 'stopBadPrice';
      return o.sellerId === sourceId ? 'stopCrossSelf' : 'keep';
    };
    const conv = convertWithOffers(
      state, base, spec.sheep, maxSheepSend, spec.wheat, maxWheatReceive, 'normal', filter, MAX_OFFERS_TO_CROSS,
    );
    if (conv.result === 'stopCrossSelf') return fail('op_cross_self');
    if (conv.result === 'crossedTooMany') return fail('op_exceeded_work_limit');
    const sheepStays = conv.result !== 'ok';
    claimed = conv.claimed;

    if (conv.wheatReceived > 0n) {
      if (!addBalance(state, holding(state, sourceId, spec.wheat)!, conv.wheatReceived, base)) {
        throw new Error('manage offer: offer claimed over limit');
      }
      if (!addBalance(state, holding(state, sourceId, spec.sheep)!, -conv.sheepSend, base)) {
        throw new Error('manage offer: offer sold more than balance');
      }
    }
    if (sheepStays) {
      const [sheepLimit, wheatLimit] = applyLimits(
        spec,
        canSellAtMost(holding(state, sourceId, spec.sheep), base), conv.sheepSend,
        canBuyAtMost(holding(state, sourceId, spec.wheat)), conv.wheatReceived,
      );
      amount = adjustOffer(spec.price, sheepLimit, wheatLimit);
    }
  }

  if (amount > 0n) {
    const offer = state.putOffer({
      sellerId: sourceId,
      offerId: creating ? state.nextOfferId() : spec.offerId,
      selling: spec.sheep, buying: spec.wheat, amount, price: spec.price, flags, sponsor,
    });
    acquireLiabilities(state, base, offer);
    reportTrades(ctx, claimed, offer.offerId);
    return { code: 'op_success', effect: creating ? 'created' : 'updated', offer, claimed };
  }
  removeSubentry(state, sourceId, sponsor);
  reportTrades(ctx, claimed, 0n);
  return { code: 'op_success', effect: 'deleted', claimed };
}

// ---- XDR ---------------------------------------------------------------------------------

export function offerEntryXdr(o: OfferEntry): xdr.OfferEntry {
  return new xdr.OfferEntry({
    sellerId: accountXdr(o.sellerId),
    offerId: int64(o.offerId),
    selling: assetXdr(o.selling),
    buying: assetXdr(o.buying),
    amount: int64(o.amount),
    price: new xdr.Price({ n: o.price.n, d: o.price.d }),
    flags: o.flags,
    ext: new xdr.OfferEntryExt(0),
  });
}

export function manageOfferSuccess(out: ManageOfferOutcome): xdr.ManageOfferSuccessResult {
  const R = xdr.ManageOfferSuccessResultOffer;
  const offer = out.effect === 'created' ? R.manageOfferCreated(offerEntryXdr(out.offer!))
    : out.effect === 'updated' ? R.manageOfferUpdated(offerEntryXdr(out.offer!))
      : R.manageOfferDeleted();
  return new xdr.ManageOfferSuccessResult({ offersClaimed: claimAtoms(out.claimed), offer });
}

/** Operation-level results (not opINNER) some offer failures produce. */
export function operationLevelResult(code: ManageOfferCode): xdr.OperationResult | null {
  switch (code) {
    case 'op_too_many_subentries': return xdr.OperationResult.opTooManySubentries();
    case 'op_too_many_sponsoring': return xdr.OperationResult.opTooManySponsoring();
    case 'op_exceeded_work_limit': return xdr.OperationResult.opExceededWorkLimit();
    default: return null;
  }
}
