/**
 * manageSellOffer, after stellar-core's ManageSellOfferOpFrame: sell `amount` of
 * `selling` at `price` (buying per selling); create, update or delete an offer.
 */
import { xdr } from '@stellar/stellar-sdk';
import { OpFrame, OpOutcome } from './types';
import { amountString, assetDetails, assetKeyOf, isAssetValid, priceString } from './dex-format';
import {
  ManageOfferCode, ManageOfferOutcome, OfferSpec, applyManageOffer, checkOfferSpec, manageOfferSuccess,
  operationLevelResult,
} from './manage-offer-base';

const R = xdr.ManageSellOfferResult;
type InnerCode = Exclude<ManageOfferCode, 'op_success' | 'op_too_many_subentries' | 'op_too_many_sponsoring' | 'op_exceeded_work_limit'>;
export const SELL_FAILURES: Record<InnerCode, () => xdr.ManageSellOfferResult> = {
  op_malformed: () => R.manageSellOfferMalformed(),
  op_sell_no_trust: () => R.manageSellOfferSellNoTrust(),
  op_buy_no_trust: () => R.manageSellOfferBuyNoTrust(),
  sell_not_authorized: () => R.manageSellOfferSellNotAuthorized(),
  buy_not_authorized: () => R.manageSellOfferBuyNotAuthorized(),
  op_line_full: () => R.manageSellOfferLineFull(),
  op_underfunded: () => R.manageSellOfferUnderfunded(),
  op_cross_self: () => R.manageSellOfferCrossSelf(),
  op_sell_no_issuer: () => R.manageSellOfferSellNoIssuer(),
  buy_no_issuer: () => R.manageSellOfferBuyNoIssuer(),
  op_offer_not_found: () => R.manageSellOfferNotFound(),
  op_low_reserve: () => R.manageSellOfferLowReserve(),
};

/** The sell result as either manageSellOffer or createPassiveSellOffer wraps it. */
export function sellResult(out: ManageOfferOutcome, wrap: (r: xdr.ManageSellOfferResult) => xdr.OperationResultTr): xdr.OperationResult {
  const opLevel = operationLevelResult(out.code);
  if (opLevel) return opLevel;
  const inner = out.code === 'op_success'
    ? R.manageSellOfferSuccess(manageOfferSuccess(out))
    : SELL_FAILURES[out.code as InnerCode]();
  return xdr.OperationResult.opInner(wrap(inner));
}

export function sellSpec(body: xdr.ManageSellOfferOp | xdr.CreatePassiveSellOfferOp, offerId: bigint, passive: boolean): OfferSpec {
  return {
    kind: 'sell',
    sheep: assetKeyOf(body.selling()),
    wheat: assetKeyOf(body.buying()),
    offerId,
    price: { n: body.price().n(), d: body.price().d() },
    amount: body.amount().toBigInt(),
    passiveOnCreate: passive,
  };
}

/** Horizon's offer fields shared by manage_sell_offer and create_passive_sell_offer. */
export function sellDetails(spec: OfferSpec): Record<string, unknown> {
  return {
    amount: amountString(spec.amount),
    price: priceString(spec.price.n, spec.price.d),
    price_r: { n: spec.price.n, d: spec.price.d },
    ...assetDetails(spec.wheat, 'buying_'),
    ...assetDetails(spec.sheep, 'selling_'),
  };
}

const wrap = (r: xdr.ManageSellOfferResult): xdr.OperationResultTr => xdr.OperationResultTr.manageSellOffer(r);

export const frame: OpFrame<xdr.ManageSellOfferOp> = {
  type: 'manageSellOffer',
  threshold: () => 'medium',

  checkValid(body) {
    const spec = sellSpec(body, body.offerId().toBigInt(), false);
    if (checkOfferSpec(spec, isAssetValid(body.selling()) && isAssetValid(body.buying()))) return null;
    return { code: 'op_malformed', result: xdr.OperationResult.opInner(wrap(R.manageSellOfferMalformed())) };
  },

  apply(body, ctx): OpOutcome {
    const spec = sellSpec(body, body.offerId().toBigInt(), false);
    const out = applyManageOffer(ctx, spec);
    return {
      code: out.code,
      result: sellResult(out, wrap),
      details: { offer_id: spec.offerId.toString(), ...sellDetails(spec) },
    };
  },
};
