/**
 * pathPaymentStrictSend, after stellar-core's PathPaymentStrictSendOpFrame:
 * debit the source exactly sendAmount, walk the path forwards (each hop must
 * spend exactly its input), refuse if the destination would get less than
 * destMin, then credit the destination.
 */
import { xdr } from '@stellar/stellar-sdk';
import { OpContext, OpFrame, OpOutcome } from './types';
import { accountIdOfMuxed, amountString, assetDetails, assetKeyOf, isAssetValid } from './dex-format';
import {
  PathPaymentCode, PathPaymentOutcome, applyStrictSend, claimAtoms, destinationDetails, paymentEffects,
  pathDetails, simplePaymentResult,
} from './path-payment-base';
import { reportTrades } from '../offers';

const R = xdr.PathPaymentStrictSendResult;
const FAILURES: Record<Exclude<PathPaymentCode, 'op_success' | 'op_over_source_max' | 'op_exceeded_work_limit'>,
  () => xdr.PathPaymentStrictSendResult> = {
  op_malformed: () => R.pathPaymentStrictSendMalformed(),
  op_underfunded: () => R.pathPaymentStrictSendUnderfunded(),
  op_src_no_trust: () => R.pathPaymentStrictSendSrcNoTrust(),
  op_src_not_authorized: () => R.pathPaymentStrictSendSrcNotAuthorized(),
  op_no_destination: () => R.pathPaymentStrictSendNoDestination(),
  op_no_trust: () => R.pathPaymentStrictSendNoTrust(),
  op_not_authorized: () => R.pathPaymentStrictSendNotAuthorized(),
  op_line_full: () => R.pathPaymentStrictSendLineFull(),
  op_no_issuer: () => R.pathPaymentStrictSendMalformed(), // unreachable since protocol 13
  op_too_few_offers: () => R.pathPaymentStrictSendTooFewOffers(),
  op_cross_self: () => R.pathPaymentStrictSendOfferCrossSelf(),
  op_under_dest_min: () => R.pathPaymentStrictSendUnderDestmin(),
};

function result(body: xdr.PathPaymentStrictSendOp, out: PathPaymentOutcome, destId: string): xdr.OperationResult {
  if (out.code === 'op_exceeded_work_limit') return xdr.OperationResult.opExceededWorkLimit();
  if (out.code === 'op_success') {
    const success = new xdr.PathPaymentStrictSendResultSuccess({
      offers: claimAtoms(out.claimed),
      last: simplePaymentResult(destId, assetKeyOf(body.destAsset()), out.received),
    });
    return xdr.OperationResult.opInner(xdr.OperationResultTr.pathPaymentStrictSend(R.pathPaymentStrictSendSuccess(success)));
  }
  const make = FAILURES[out.code as keyof typeof FAILURES];
  if (!make) throw new Error(`pathPaymentStrictSend: unexpected code ${out.code}`);
  return xdr.OperationResult.opInner(xdr.OperationResultTr.pathPaymentStrictSend(make()));
}

function details(body: xdr.PathPaymentStrictSendOp, ctx: OpContext, received: bigint): Record<string, unknown> {
  return {
    ...assetDetails(assetKeyOf(body.destAsset())),
    from: ctx.sourceId,
    ...destinationDetails(body.destination(), 'to'),
    amount: amountString(received),
    path: pathDetails(body.path().map(assetKeyOf)),
    source_amount: amountString(body.sendAmount().toBigInt()),
    destination_min: amountString(body.destMin().toBigInt()),
    ...assetDetails(assetKeyOf(body.sendAsset()), 'source_'),
  };
}

export const frame: OpFrame<xdr.PathPaymentStrictSendOp> = {
  type: 'pathPaymentStrictSend',
  threshold: () => 'medium',

  checkValid(body) {
    const valid = body.sendAmount().toBigInt() > 0n && body.destMin().toBigInt() > 0n
      && isAssetValid(body.sendAsset()) && isAssetValid(body.destAsset()) && body.path().every(isAssetValid);
    if (valid) return null;
    return {
      code: 'op_malformed',
      result: xdr.OperationResult.opInner(xdr.OperationResultTr.pathPaymentStrictSend(R.pathPaymentStrictSendMalformed())),
    };
  },

  apply(body, ctx): OpOutcome {
    const destId = accountIdOfMuxed(body.destination());
    const sendAsset = assetKeyOf(body.sendAsset());
    const destAsset = assetKeyOf(body.destAsset());
    const out = applyStrictSend(
      ctx, { destId, sendAsset, destAsset, path: body.path().map(assetKeyOf) },
      body.sendAmount().toBigInt(), body.destMin().toBigInt(),
    );
    if (out.code === 'op_success') {
      paymentEffects(ctx, destId, destAsset, out.received, sendAsset, out.sent);
      reportTrades(ctx, out.claimed, 0n);
    }
    return { code: out.code, result: result(body, out, destId), details: details(body, ctx, out.received) };
  },
};
