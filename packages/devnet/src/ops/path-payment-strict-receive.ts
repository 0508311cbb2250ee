/**
 * pathPaymentStrictReceive, after stellar-core's PathPaymentStrictReceiveOpFrame:
 * credit the destination exactly destAmount, walk the path backwards (each hop
 * must deliver exactly what the next needs), refuse if the source would pay more
 * than sendMax, then debit the source.
 */
import { xdr } from '@stellar/stellar-sdk';
import { OpContext, OpFrame, OpOutcome } from './types';
import { accountIdOfMuxed, amountString, assetDetails, assetKeyOf, isAssetValid } from './dex-format';
import {
  PathPaymentCode, PathPaymentOutcome, applyStrictReceive, claimAtoms, destinationDetails, paymentEffects,
  pathDetails, simplePaymentResult,
} from './path-payment-base';
import { reportTrades } from '../offers';

const R = xdr.PathPaymentStrictReceiveResult;
const FAILURES: Record<Exclude<PathPaymentCode, 'op_success' | 'op_under_dest_min' | 'op_exceeded_work_limit'>,
  () => xdr.PathPaymentStrictReceiveResult> = {
  op_malformed: () => R.pathPaymentStrictReceiveMalformed(),
  op_underfunded: () => R.pathPaymentStrictReceiveUnderfunded(),
  op_src_no_trust: () => R.pathPaymentStrictReceiveSrcNoTrust(),
  op_src_not_authorized: () => R.pathPaymentStrictReceiveSrcNotAuthorized(),
  op_no_destination: () => R.pathPaymentStrictReceiveNoDestination(),
  op_no_trust: () => R.pathPaymentStrictReceiveNoTrust(),
  op_not_authorized: () => R.pathPaymentStrictReceiveNotAuthorized(),
  op_line_full: () => R.pathPaymentStrictReceiveLineFull(),
  op_no_issuer: () => R.pathPaymentStrictReceiveMalformed(), // unreachable since protocol 13
  op_too_few_offers: () => R.pathPaymentStrictReceiveTooFewOffers(),
  op_cross_self: () => R.pathPaymentStrictReceiveOfferCrossSelf(),
  op_over_source_max: () => R.pathPaymentStrictReceiveOverSendmax(),
};

function result(body: xdr.PathPaymentStrictReceiveOp, out: PathPaymentOutcome, destId: string): xdr.OperationResult {
  if (out.code === 'op_exceeded_work_limit') return xdr.OperationResult.opExceededWorkLimit();
  if (out.code === 'op_success') {
    const success = new xdr.PathPaymentStrictReceiveResultSuccess({
      offers: claimAtoms(out.claimed),
      last: simplePaymentResult(destId, assetKeyOf(body.destAsset()), out.received),
    });
    return xdr.OperationResult.opInner(xdr.OperationResultTr.pathPaymentStrictReceive(R.pathPaymentStrictReceiveSuccess(success)));
  }
  const make = FAILURES[out.code as keyof typeof FAILURES];
  if (!make) throw new Error(`pathPaymentStrictReceive: unexpected code ${out.code}`);
  return xdr.OperationResult.opInner(xdr.OperationResultTr.pathPaymentStrictReceive(make()));
}

function details(body: xdr.PathPaymentStrictReceiveOp, ctx: OpContext, sent: bigint): Record<string, unknown> {
  return {
    ...assetDetails(assetKeyOf(body.destAsset())),
    from: ctx.sourceId,
    ...destinationDetails(body.destination(), 'to'),
    amount: amountString(body.destAmount().toBigInt()),
    path: pathDetails(body.path().map(assetKeyOf)),
    source_amount: amountString(sent),
    source_max: amountString(body.sendMax().toBigInt()),
    ...assetDetails(assetKeyOf(body.sendAsset()), 'source_'),
  };
}

export const frame: OpFrame<xdr.PathPaymentStrictReceiveOp> = {
  type: 'pathPaymentStrictReceive',
  threshold: () => 'medium',

  checkValid(body) {
    const valid = body.destAmount().toBigInt() > 0n && body.sendMax().toBigInt() > 0n
      && isAssetValid(body.sendAsset()) && isAssetValid(body.destAsset()) && body.path().every(isAssetValid);
    if (valid) return null;
    return {
      code: 'op_malformed',
      result: xdr.OperationResult.opInner(xdr.OperationResultTr.pathPaymentStrictReceive(R.pathPaymentStrictReceiveMalformed())),
    };
  },

  apply(body, ctx): OpOutcome {
    const destId = accountIdOfMuxed(body.destination());
    const sendAsset = assetKeyOf(body.sendAsset());
    const destAsset = assetKeyOf(body.destAsset());
    const out = applyStrictReceive(
      ctx, { destId, sendAsset, destAsset, path: body.path().map(assetKeyOf) },
      body.destAmount().toBigInt(), body.sendMax().toBigInt(),
    );
    if (out.code === 'op_success') {
      paymentEffects(ctx, destId, destAsset, out.received, sendAsset, out.sent);
      reportTrades(ctx, out.claimed, 0n);
    }
    return { code: out.code, result: result(body, out, destId), details: details(body, ctx, out.sent) };
  },
};
