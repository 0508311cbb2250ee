/**
 * Crossing the order book, after stellar-core's convertWithOffers/crossOfferV10.
 *
 * The taker sends "sheep" and receives "wheat"; each offer on the book sells
 * wheat for sheep. Offers are taken best first (state.book keeps them sorted).
 * Every crossed offer has its liabilities released, its seller's balances moved,
 * and is then either deleted (with its reserve) or re-adjusted and its
 * liabilities acquired again. Amounts come only from exchange.ts.
 */
import { AccountId, AssetKey, OfferEntry } from './state/entries';
import { LedgerState } from './state/ledger-state';
import {
  Holding, addBalance, addBuyingLiabilities, addSellingLiabilities, availableBalance, holding, maxReceive,
} from './state/balances';
import { removeSubentry } from './state/sponsorship';
import { Rounding, adjustOffer, exchangeV10, offerLiabilities } from './exchange';
import { OpContext } from './ops/types';
import { amountString, assetDetails } from './ops/dex-format';

/** stellar-core's getMaxOffersToCross(): per operation, shared by a path payment's hops. */
export const MAX_OFFERS_TO_CROSS = 1000;

/** One offer crossed: what its seller sold (wheat) and bought (sheep). */
export interface ClaimedOffer {
  readonly sellerId: AccountId;
  readonly offerId: bigint;
  readonly assetSold: AssetKey;
  readonly amountSold: bigint;
  readonly assetBought: AssetKey;
  readonly amountBought: bigint;
}

export type FilterResult = 'keep' | 'stopBadPrice' | 'stopCrossSelf';
export type ConvertResult = 'ok' | 'partial' | 'stopBadPrice' | 'stopCrossSelf' | 'crossedTooMany';

export interface Conversion {
  readonly result: ConvertResult;
  readonly sheepSend: bigint;
  readonly wheatReceived: bigint;
  readonly claimed: ClaimedOffer[];
}

// ---- what an account can send and receive (canSellAtMost / canBuyAtMost) -------

export function canSellAtMost(h: Holding | null, baseReserve: bigint): bigint {
  if (!h) return 0n;
  const a = availableBalance(h, baseReserve);
  return a > 0n ? a : 0n;
}

export function canBuyAtMost(h: Holding | null): bigint {
  if (!h) return 0n;
  const m = maxReceive(h);
  return m > 0n ? m : 0n;
}

// ---- liabilities of an offer on the book ----------------------------------------

function changeLiabilities(state: LedgerState, baseReserve: bigint, offer: OfferEntry, sign: 1n | -1n): void {
  const { buying, selling } = offerLiabilities(offer.price, offer.amount);
  // Fetch each holding just before writing it: the two may share the account entry.
  const b = holding(state, offer.sellerId, offer.buying);
  if (!b || !addBuyingLiabilities(state, b, sign * buying)) {
    throw new Error(`offer ${offer.offerId}: cannot change buying liabilities`);
  }
  const s = holding(state, offer.sellerId, offer.selling);
  if (!s || !addSellingLiabilities(state, s, sign * selling, baseReserve)) {
    throw new Error(`offer ${offer.offerId}: cannot change selling liabilities`);
  }
}

export function acquireLiabilities(state: LedgerState, baseReserve: bigint, offer: OfferEntry): void {
  changeLiabilities(state, baseReserve, offer, 1n);
}

export function releaseLiabilities(state: LedgerState, baseReserve: bigint, offer: OfferEntry): void {
  changeLiabilities(state, baseReserve, offer, -1n);
}

/** Remove an offer from the book and free its reserve (liabilities already released). */
export function eraseOffer(state: LedgerState, offer: OfferEntry): void {
  state.deleteOffer(offer.offerId);
  removeSubentry(state, offer.sellerId, offer.sponsor);
}

/** The amount the seller can really back, given balances after liabilities were released. */
function adjustedAmount(state: LedgerState, baseReserve: bigint, offer: OfferEntry, amount: bigint): bigint {
  const canSell = canSellAtMost(holding(state, offer.sellerId, offer.selling), baseReserve);
  const canBuy = canBuyAtMost(holding(state, offer.sellerId, offer.buying));
  return adjustOffer(offer.price, amount < canSell ? amount : canSell, canBuy);
}

function moveSellerBalance(state: LedgerState, baseReserve: bigint, seller: AccountId, asset: AssetKey, delta: bigint): void {
  if (delta === 0n) return;
  const h = holding(state, seller, asset);
  if (!h || !addBalance(state, h, delta, baseReserve)) {
    throw new Error(`crossing: ${delta > 0n ? 'overflowed' : 'overdrew'} ${asset} of ${seller}`);
  }
}

// ---- crossing one offer (crossOfferV10) ------------------------------------------

interface Crossed {
  wheatReceived: bigint;
  sheepSend: bigint;
  wheatStays: boolean;
  taken: boolean;
}

function crossOffer(
  state: LedgerState, baseReserve: bigint, offer: OfferEntry,
  maxWheatReceive: bigint, maxSheepSend: bigint, round: Rounding,
): Crossed {
  const { sellerId, selling: wheat, buying: sheep } = offer;
  if (!state.getAccount(sellerId)) throw new Error(`offer ${offer.offerId} has no seller account`);
  releaseLiabilities(state, baseReserve, offer);

  // A no-op since protocol 10 (offers are kept adjusted); kept as stellar-core does.
  const amount = adjustedAmount(state, baseReserve, offer, offer.amount);
  const canSell = canSellAtMost(holding(state, sellerId, wheat), baseReserve);
  const maxWheatSend = amount < canSell ? amount : canSell;
  const maxSheepReceive = canBuyAtMost(holding(state, sellerId, sheep));
  const ex = exchangeV10(offer.price, maxWheatSend, maxWheatReceive, maxSheepSend, maxSheepReceive, round);

  moveSellerBalance(state, baseReserve, sellerId, sheep, ex.sheepSend);
  moveSellerBalance(state, baseReserve, sellerId, wheat, -ex.wheatReceived);

  const left = ex.wheatStays ? adjustedAmount(state, baseReserve, offer, amount - ex.wheatReceived) : 0n;
  if (left === 0n) {
    eraseOffer(state, offer);
  } else {
    const kept = state.putOffer({ ...offer, amount: left });
    acquireLiabilities(state, baseReserve, kept);
  }
  return { wheatReceived: ex.wheatReceived, sheepSend: ex.sheepSend, wheatStays: ex.wheatStays, taken: left === 0n };
}

// ---- crossing the book (convertWithOffers) ----------------------------------------

/**
 * Send at most `maxSheepSend` of sheep to receive at most `maxWheatReceive` of
 * wheat from the book. 'ok' when a limit was reached, 'partial' when the book
 * ran out first; the filter may stop early (bad price, own offer).
 */
export function convertWithOffers(
  state: LedgerState, baseReserve: bigint,
  sheep: AssetKey, maxSheepSend: bigint, wheat: AssetKey, maxWheatReceive: bigint,
  round: Rounding, filter: (o: OfferEntry) => FilterResult, maxOffersToCross: number,
): Conversion {
  const claimed: ClaimedOffer[] = [];
  let sheepSend = 0n;
  let wheatReceived = 0n;
  const done = (result: ConvertResult): Conversion => ({ result, sheepSend, wheatReceived, claimed });

  let needMore = maxWheatReceive > 0n && maxSheepSend > 0n;
  if (needMore && maxOffersToCross <= 0) return done('crossedTooMany');

  while (needMore) {
    const offer = state.book(wheat, sheep)[0];
    if (!offer) break;
    const f = filter(offer);
    if (f !== 'keep') return done(f);
    if (claimed.length >= maxOffersToCross) return done('crossedTooMany');

    const c = crossOffer(state, baseReserve, offer, maxWheatReceive, maxSheepSend, round);
    claimed.push({
      sellerId: offer.sellerId, offerId: offer.offerId,
      assetSold: wheat, amountSold: c.wheatReceived, assetBought: sheep, amountBought: c.sheepSend,
    });
    sheepSend += c.sheepSend;
    maxSheepSend -= c.sheepSend;
    wheatReceived += c.wheatReceived;
    maxWheatReceive -= c.wheatReceived;

    needMore = !c.wheatStays && maxWheatReceive > 0n && maxSheepSend > 0n;
    if (!needMore) return done('ok');
    if (!c.taken) return done('partial');
  }
  return done(needMore ? 'partial' : 'ok');
}

// ---- reporting ---------------------------------------------------------------------

/**
 * Trades and Horizon `trade` effects (one for the taker, one for the seller) for
 * the offers an operation crossed; Horizon skips claims that moved nothing.
 */
export function reportTrades(ctx: OpContext, claimed: readonly ClaimedOffer[], takerOfferId: bigint): void {
  for (const c of claimed) {
    if (c.amountSold === 0n && c.amountBought === 0n) continue;
    ctx.trade({
      offerId: c.offerId, sellerId: c.sellerId,
      soldAsset: c.assetSold, soldAmount: c.amountSold,
      boughtAsset: c.assetBought, boughtAmount: c.amountBought,
      takerId: ctx.sourceId, takerOfferId,
    });
    ctx.effect({
      type: 'trade', typeI: 33, account: ctx.sourceId,
      details: {
        offer_id: c.offerId.toString(), seller: c.sellerId,
        bought_amount: amountString(c.amountSold), ...assetDetails(c.assetSold, 'bought_'),
        sold_amount: amountString(c.amountBought), ...assetDetails(c.assetBought, 'sold_'),
      },
    });
    ctx.effect({
      type: 'trade', typeI: 33, account: c.sellerId,
      details: {
        offer_id: c.offerId.toString(), seller: ctx.sourceId,
        bought_amount: amountString(c.amountBought), ...assetDetails(c.assetBought, 'bought_'),
        sold_amount: amountString(c.amountSold), ...assetDetails(c.assetSold, 'sold_'),
      },
    });
  }
}

