/**
 * payment, after stellar-core's PaymentOpFrame: a native payment to oneself
 * succeeds at once; anything else runs as a strict-receive path payment with
 * sendMax = destAmount = amount and no path, whose codes map one to one.
 */
import { xdr } from '@stellar/stellar-sdk';
import { NATIVE } from '../state/entries';
import { OpContext, OpFrame, OpOutcome } from './types';
import { accountIdOfMuxed, amountString, assetDetails, assetKeyOf, isAssetValid } from './dex-format';
import { PathPaymentCode, applyStrictReceive, destinationDetails } from './path-payment-base';

const PAYMENT_RESULTS: Partial<Record<PathPaymentCode, () => xdr.PaymentResult>> = {
  op_success: () => xdr.PaymentResult.paymentSuccess(),
  op_malformed: () => xdr.PaymentResult.paymentMalformed(),
  op_underfunded: () => xdr.PaymentResult.paymentUnderfunded(),
  op_src_no_trust: () => xdr.PaymentResult.paymentSrcNoTrust(),
  op_src_not_authorized: () => xdr.PaymentResult.paymentSrcNotAuthorized(),
  op_no_destination: () => xdr.PaymentResult.paymentNoDestination(),
  op_no_trust: () => xdr.PaymentResult.paymentNoTrust(),
  op_not_authorized: () => xdr.PaymentResult.paymentNotAuthorized(),
  op_line_full: () => xdr.PaymentResult.paymentLineFull(),
  op_no_issuer: () => xdr.PaymentResult.paymentNoIssuer(),
};

/** Void results are immutable: build each once (payments are the hot path). */
const resultCache = new Map<string, xdr.OperationResult>();

function result(code: PathPaymentCode): xdr.OperationResult {
  let r = resultCache.get(code);
  if (!r) {
    const make = PAYMENT_RESULTS[code];
    // Conversion codes cannot happen without a path and with equal assets.
    if (!make) throw new Error(`payment: unexpected inner code ${code}`);
    r = xdr.OperationResult.opInner(xdr.OperationResultTr.payment(make()));
    resultCache.set(code, r);
  }
  return r;
}

function details(body: xdr.PaymentOp, ctx: OpContext): Record<string, unknown> {
  return {
    ...assetDetails(assetKeyOf(body.asset())),
    from: ctx.sourceId,
    ...destinationDetails(body.destination(), 'to'),
    amount: amountString(body.amount().toBigInt()),
  };
}

export const frame: OpFrame<xdr.PaymentOp> = {
  type: 'payment',
  threshold: () => 'medium',

  checkValid(body) {
    if (body.amount().toBigInt() <= 0n || !isAssetValid(body.asset())) {
      return { code: 'op_malformed', result: result('op_malformed') };
    }
    return null;
  },

  apply(body, ctx): OpOutcome {
    const asset = assetKeyOf(body.asset());
    const destId = accountIdOfMuxed(body.destination());
    const amount = body.amount().toBigInt();
    if (destId === ctx.sourceId && asset === NATIVE) {
      ctx.effect({ type: 'account_credited', typeI: 2, account: destId, details: { amount: amountString(amount), ...assetDetails(asset) } });
      ctx.effect({ type: 'account_debited', typeI: 3, account: destId, details: { amount: amountString(amount), ...assetDetails(asset) } });
      return { code: 'op_success', result: result('op_success'), details: details(body, ctx) };
    }
    const out = applyStrictReceive(ctx, { destId, sendAsset: asset, destAsset: asset, path: [] }, amount, amount);
    if (out.code === 'op_success') {
      ctx.effect({ type: 'account_credited', typeI: 2, account: destId, details: { amount: amountString(amount), ...assetDetails(asset) } });
      ctx.effect({ type: 'account_debited', typeI: 3, account: ctx.sourceId, details: { amount: amountString(amount), ...assetDetails(asset) } });
    }
    return { code: out.code, result: result(out.code), details: details(body, ctx) };
  },
};
