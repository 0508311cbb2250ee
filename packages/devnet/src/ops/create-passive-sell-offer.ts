/**
 * createPassiveSellOffer, after stellar-core's CreatePassiveSellOfferOpFrame: a
 * new sell offer flagged passive, which does not cross offers at exactly its
 * own price (it stops there and rests on the book).
 */
import { xdr } from '@stellar/stellar-sdk';
import { OpFrame, OpOutcome } from './types';
import { isAssetValid } from './dex-format';
import { applyManageOffer, checkOfferSpec } from './manage-offer-base';
import { sellDetails, sellResult, sellSpec } from './manage-sell-offer';

const wrap = (r: xdr.ManageSellOfferResult): xdr.OperationResultTr => xdr.OperationResultTr.createPassiveSellOffer(r);

export const frame: OpFrame<xdr.CreatePassiveSellOfferOp> = {
  type: 'createPassiveSellOffer',
  threshold: () => 'medium',

  checkValid(body) {
    // A passive offer is always new: amount 0 (delete) with no offer id is malformed.
    const spec = sellSpec(body, 0n, true);
    if (checkOfferSpec(spec, isAssetValid(body.selling()) && isAssetValid(body.buying()))) return null;
    return { code: 'op_malformed', result: xdr.OperationResult.opInner(wrap(xdr.ManageSellOfferResult.manageSellOfferMalformed())) };
  },

  apply(body, ctx): OpOutcome {
    const spec = sellSpec(body, 0n, true);
    const out = applyManageOffer(ctx, spec);
    return { code: out.code, result: sellResult(out, wrap), details: sellDetails(spec) };
  },
};
