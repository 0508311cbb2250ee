/**
 * clawback, after stellar-core's ClawbackOpFrame: the issuer burns part of a
 * clawback-enabled trustline's balance, whatever its authorization.
 */
import { xdr } from '@stellar/stellar-sdk';
import { TRUSTLINE_CLAWBACK_ENABLED_FLAG, assetIssuer } from '../state/entries';
import { OpFrame } from './types';
import { accountIdOfMuxed, amountString, assetDetails, assetKeyOf, isAssetValid } from './dex-format';
import { effect, voidResults } from './support';

const out = voidResults('clawback', xdr.ClawbackResult, {
  clawbackSuccess: 'op_success',
  clawbackMalformed: 'op_malformed',
  clawbackNotClawbackEnabled: 'op_not_clawback_enabled',
  clawbackNoTrust: 'op_no_trust',
  clawbackUnderfunded: 'op_underfunded',
});

function details(body: xdr.ClawbackOp): Record<string, unknown> {
  const a = body.asset();
  const ok = a.switch().name !== 'assetTypeNative' && isAssetValid(a);
  return {
    ...(ok ? assetDetails(assetKeyOf(a)) : {}),
    from: accountIdOfMuxed(body.from()),
    amount: amountString(body.amount().toBigInt()),
  };
}

export const frame: OpFrame<xdr.ClawbackOp> = {
  type: 'clawback',
  threshold: () => 'medium',

  checkValid(body, ctx) {
    const d = details(body);
    const a = body.asset();
    if (d.from === ctx.sourceId) return out('clawbackMalformed', d);
    if (body.amount().toBigInt() < 1n) return out('clawbackMalformed', d);
    if (a.switch().name === 'assetTypeNative' || !isAssetValid(a)) return out('clawbackMalformed', d);
    if (assetIssuer(assetKeyOf(a)) !== ctx.sourceId) return out('clawbackMalformed', d);
    return null;
  },

  apply(body, ctx) {
    const d = details(body);
    const asset = assetKeyOf(body.asset());
    const from = d.from as string;
    const amount = body.amount().toBigInt();
    const line = ctx.state.getTrustLine(from, asset);
    if (!line) return out('clawbackNoTrust', d);
    if ((line.flags & TRUSTLINE_CLAWBACK_ENABLED_FLAG) === 0) return out('clawbackNotClawbackEnabled', d);
    // addBalanceSkipAuthorization: a frozen trustline can still be clawed back.
    const next = line.balance - amount;
    if (next < 0n || next < line.sellingLiabilities) return out('clawbackUnderfunded', d);
    ctx.state.putTrustLine({ ...line, balance: next });
    const fx = { amount: d.amount, ...assetDetails(asset) };
    ctx.effect(effect('account_credited', ctx.sourceId, fx));
    ctx.effect(effect('account_debited', from, fx));
    return out('clawbackSuccess', d);
  },
};
