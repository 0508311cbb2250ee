/** /offers, /offers/{id}, /accounts/{id}/offers and /order_book from the live ledger state. */
import { Key, compareKeys } from '../../history/store';
import { AccountId, AssetKey, OfferEntry } from '../../state/entries';
import { serveCollection } from '../collection';
import { Ctx, Reply } from '../context';
import { amount, assetFields, priceString } from '../format';
import {
  accountId, assetParams, canonicalAssetParam, optionalAccount, param, uintParam,
} from '../params';
import { Problem, badParam, notFound } from '../problem';
import { offerJson } from '../resources';
import { serveHistory } from './history';

const idKey = (o: OfferEntry): Key => ({ major: o.offerId, minor: 0 });

/** Offers sorted by id, paged by id as Horizon does. */
function serveOffers(ctx: Ctx, all: OfferEntry[]): Reply {
  all.sort((a, b) => (a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0));
  return serveCollection(ctx, {
    page: (q) => {
      let list = all;
      if (q.cursor === 'now') list = q.order === 'asc' ? [] : all;
      else if (q.cursor) {
        const c = q.cursor;
        list = all.filter((o) => (q.order === 'asc' ? compareKeys(idKey(o), c) > 0 : compareKeys(idKey(o), c) < 0));
      }
      return (q.order === 'asc' ? list : [...list].reverse()).slice(0, q.limit);
    },
    token: (o) => o.offerId.toString(),
    render: (o) => offerJson(o, ctx.base, ctx.backend.history),
  }, { streamable: false });
}

/** selling / buying as canonical strings, or the legacy *_asset_type/code/issuer triple. */
function offerAsset(ctx: Ctx, name: 'selling' | 'buying'): AssetKey | undefined {
  const compact = param(ctx.url, name);
  if (compact !== undefined) return canonicalAssetParam(compact, name);
  return assetParams(ctx.url, `${name}_`);
}

export function offers(ctx: Ctx): Reply {
  const state = ctx.backend.state;
  const seller = optionalAccount(ctx.url, 'seller');
  const sponsor = optionalAccount(ctx.url, 'sponsor');
  const selling = offerAsset(ctx, 'selling');
  const buying = offerAsset(ctx, 'buying');
  let candidates: OfferEntry[];
  if (seller !== undefined) candidates = state.offersOf(seller);
  else if (selling !== undefined && buying !== undefined) candidates = [...state.book(selling, buying)];
  else candidates = [...state.allOffers()];
  const keep = candidates.filter((o) => (seller === undefined || o.sellerId === seller)
    && (selling === undefined || o.selling === selling)
    && (buying === undefined || o.buying === buying)
    && (sponsor === undefined || o.sponsor === sponsor));
  return serveOffers(ctx, keep);
}

export function accountOffers(ctx: Ctx): Reply {
  const id: AccountId = accountId(ctx.params[0], 'account_id');
  return serveOffers(ctx, ctx.backend.state.offersOf(id));
}

function offerId(ctx: Ctx): bigint {
  return BigInt(uintParam(ctx.params[0], 'offer_id'));
}

export function offer(ctx: Ctx): Reply {
  const o = ctx.backend.state.getOffer(offerId(ctx));
  if (!o) throw notFound();
  return { body: offerJson(o, ctx.base, ctx.backend.history) };
}

export function offerTrades(ctx: Ctx): Reply {
  return serveHistory(ctx, 'trades', { offerId: offerId(ctx) });
}

const DEFAULT_BOOK_LIMIT = 20;

/** Horizon aggregates offers with the very same n/d (not merely equal ratios), in book order. */
function priceLevels(book: readonly OfferEntry[], limit: number, invert: boolean): Record<string, unknown>[] {
  const levels = new Map<string, { n: number; d: number; total: bigint }>();
  for (const o of book.slice(0, limit)) {
    const k = `${o.price.n}/${o.price.d}`;
    const level = levels.get(k);
    if (level) level.total += o.amount;
    else levels.set(k, { n: invert ? o.price.d : o.price.n, d: invert ? o.price.n : o.price.d, total: o.amount });
  }
  return [...levels.values()].map((l) => ({ price_r: { n: l.n, d: l.d }, price: priceString(l.n, l.d), amount: amount(l.total) }));
}

export function orderBook(ctx: Ctx): Reply {
  let selling: AssetKey | undefined;
  let buying: AssetKey | undefined;
  try {
    selling = assetParams(ctx.url, 'selling_');
    buying = assetParams(ctx.url, 'buying_');
  } catch (err) {
    if (err instanceof Problem) throw invalidOrderBook(String(err.extras?.invalid_field), String(err.extras?.reason));
    throw err;
  }
  if (selling === undefined) throw invalidOrderBook('selling_asset_type', 'selling_asset_type is required');
  if (buying === undefined) throw invalidOrderBook('buying_asset_type', 'buying_asset_type is required');
  const rawLimit = param(ctx.url, 'limit');
  let limit = DEFAULT_BOOK_LIMIT;
  if (rawLimit !== undefined) {
    if (!/^\d{1,3}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > 200) throw badParam('limit', 'limit must be an integer from 1 to 200');
    limit = Number(rawLimit);
  }
  const state = ctx.backend.state;
  return {
    body: {
      bids: priceLevels(state.book(buying, selling), limit, true),
      asks: priceLevels(state.book(selling, buying), limit, false),
      base: assetFields(selling),
      counter: assetFields(buying),
    },
  };
}

function invalidOrderBook(field: string, reason: string): Problem {
  return new Problem(400, 'invalid_order_book', 'Invalid Order Book Parameters',
    'The parameters that specify what order book to view are invalid in some way. Please ensure that your type '
    + 'parameters (selling_asset_type and buying_asset_type) are one the following valid values: native, '
    + 'credit_alphanum4, credit_alphanum12.  Also ensure that you have specified selling_asset_code and '
    + "selling_asset_issuer if selling_asset_type is not 'native', as well as buying_asset_code and "
    + "buying_asset_issuer if buying_asset_type is not 'native'",
    { invalid_field: field, reason });
}
