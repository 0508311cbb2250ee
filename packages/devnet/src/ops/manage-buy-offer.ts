/**
 * manageBuyOffer, after stellar-core's ManageBuyOfferOpFrame: buy `buyAmount` of
 * `buying` paying at most `price` (selling per buying). On the book it is a sell
 * offer at the inverse price, capped so that it never buys more than asked.
 */
import { xdr } from '@stellar/stellar-sdk';
import { OpFrame, OpOutcome } from './types';
import { amountString, assetDetails, assetKeyOf, isAssetValid, priceString } from './dex-format';
import {
  ManageOfferCode, ManageOfferOutcome, OfferSpec, applyManageOffer, checkOfferSpec, manageOfferSuccess,
  operationLevelResult,
} from './manage-offer-base';

const R = xdr.ManageBuyOfferResult;
type InnerCode = Exclude<ManageOfferCode, 'op_success' | 'op_too_many_subentries' | 'op_too_many_sponsoring' | 'op_exceeded_work_limit'>;
const FAILURES: Record<InnerCode, () => xdr.ManageBuyOfferResult> = {
  op_malformed: () => R.manageBuyOfferMalformed(),
  op_sell_no_trust: () => R.manageBuyOfferSellNoTrust(),
  op_buy_no_trust: () => R.manageBuyOfferBuyNoTrust(),
  sell_not_authorized: () => R.manageBuyOfferSellNotAuthorized(),
  buy_not_authorized: () => R.manageBuyOfferBuyNotAuthorized(),
  op_line_full: () => R.manageBuyOfferLineFull(),
  op_underfunded: () => R.manageBuyOfferUnderfunded(),
  op_cross_self: () => R.manageBuyOfferCrossSelf(),
  op_sell_no_issuer: () => R.manageBuyOfferSellNoIssuer(),
  buy_no_issuer: () => R.manageBuyOfferBuyNoIssuer(),
  op_offer_not_found: () => R.manageBuyOfferNotFound(),
  op_low_reserve: () => R.manageBuyOfferLowReserve(),
};

function result(out: ManageOfferOutcome): xdr.OperationResult {
  const opLevel = operationLevelResult(out.code);
  if (opLevel) return opLevel;
  const inner = out.code === 'op_success'
    ? R.manageBuyOfferSuccess(manageOfferSuccess(out))
    : FAILURES[out.code as InnerCode]();
  return xdr.OperationResult.opInner(xdr.OperationResultTr.manageBuyOffer(inner));
}

function spec(body: xdr.ManageBuyOfferOp): OfferSpec {
  return {
    kind: 'buy',
    sheep: assetKeyOf(body.selling()),
    wheat: assetKeyOf(body.buying()),
    offerId: body.offerId().toBigInt(),
    // The op's price is selling per buying; the book keeps buying per selling.
    price: { n: body.price().d(), d: body.price().n() },
    amount: body.buyAmount().toBigInt(),
    passiveOnCreate: false,
  };
}

export const frame: OpFrame<xdr.ManageBuyOfferOp> = {
  type: 'manageBuyOffer',
  threshold: () => 'medium',

  checkValid(body) {
    if (checkOfferSpec(spec(body), isAssetValid(body.selling()) && isAssetValid(body.buying()))) return null;
    return { code: 'op_malformed', result: xdr.OperationResult.opInner(xdr.OperationResultTr.manageBuyOffer(R.manageBuyOfferMalformed())) };
  },

  apply(body, ctx): OpOutcome {
    const s = spec(body);
    const out = applyManageOffer(ctx, s);
    const n = body.price().n();
    const d = body.price().d();
    return {
      code: out.code,
      result: result(out),
      details: {
        offer_id: s.offerId.toString(),
        amount: amountString(s.amount),
        price: priceString(n, d),
        price_r: { n, d },
        ...assetDetails(s.wheat, 'buying_'),
        ...assetDetails(s.sheep, 'selling_'),
      },
    };
  },
};
