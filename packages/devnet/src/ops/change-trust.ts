/**
 * changeTrust, after stellar-core's ChangeTrustOpFrame: create, update or (limit 0)
 * delete the source's trustline to a credit asset. Pool-share trustlines belong to
 * liquidity pools, which the devnet does not support.
 */
import { xdr } from '@stellar/stellar-sdk';
import {
  AUTH_CLAWBACK_ENABLED_FLAG, AUTH_REQUIRED_FLAG, AUTHORIZED_FLAG, AssetKey, INT64_MAX,
  TRUSTLINE_CLAWBACK_ENABLED_FLAG, assetIssuer,
} from '../state/entries';
import { createSubentry, removeSubentry } from '../state/sponsorship';
import { OpContext, OpFrame } from './types';
import { amountString, assetDetails, assetKeyOf, isAssetValid } from './dex-format';
import { effect, opLevel, sponsorshipEffect, sponsorshipFailure, voidResults } from './support';

const out = voidResults('changeTrust', xdr.ChangeTrustResult, {
  changeTrustSuccess: 'op_success',
  changeTrustMalformed: 'op_malformed',
  changeTrustNoIssuer: 'op_no_issuer',
  changeTrustInvalidLimit: 'op_invalid_limit',
  changeTrustLowReserve: 'op_low_reserve',
  changeTrustSelfNotAllowed: 'op_self_not_allowed',
});

/** The ChangeTrustAsset as a plain xdr.Asset, or null for a pool share. */
function lineAsset(line: xdr.ChangeTrustAsset): xdr.Asset | null {
  switch (line.switch().name) {
    case 'assetTypeNative': return xdr.Asset.assetTypeNative();
    case 'assetTypeCreditAlphanum4': return xdr.Asset.assetTypeCreditAlphanum4(line.alphaNum4());
    case 'assetTypeCreditAlphanum12': return xdr.Asset.assetTypeCreditAlphanum12(line.alphaNum12());
    default: return null;
  }
}

function details(asset: AssetKey, limit: bigint, ctx: OpContext): Record<string, unknown> {
  return { ...assetDetails(asset), limit: amountString(limit), trustee: assetIssuer(asset), trustor: ctx.sourceId };
}

export const frame: OpFrame<xdr.ChangeTrustOp> = {
  type: 'changeTrust',
  threshold: () => 'medium',

  checkValid(body, ctx) {
    const a = lineAsset(body.line());
    if (!a) return opLevel('opNotSupported');
    const limit = body.limit().toBigInt();
    const d = a.switch().name === 'assetTypeNative' || !isAssetValid(a) ? undefined : details(assetKeyOf(a), limit, ctx);
    if (limit < 0n) return out('changeTrustMalformed', d);
    if (!isAssetValid(a) || a.switch().name === 'assetTypeNative') return out('changeTrustMalformed', d);
    if (assetIssuer(assetKeyOf(a)) === ctx.sourceId) return out('changeTrustMalformed', d);
    return null;
  },

  apply(body, ctx) {
    const { state, header } = ctx;
    const asset = assetKeyOf(lineAsset(body.line())!);
    const limit = body.limit().toBigInt();
    const d = details(asset, limit, ctx);
    const issuerId = assetIssuer(asset)!;
    if (issuerId === ctx.sourceId) return out('changeTrustSelfNotAllowed', d);

    const line = state.getTrustLine(ctx.sourceId, asset);
    if (line) {
      // Can't drop the limit below what is held or promised to the account.
      if (limit < line.balance + line.buyingLiabilities) return out('changeTrustInvalidLimit', d);
      if (limit === 0n) {
        removeSubentry(state, ctx.sourceId, line.sponsor);
        state.deleteTrustLine(ctx.sourceId, asset);
        ctx.effect(effect('trustline_removed', ctx.sourceId, { limit: amountString(0n), ...assetDetails(asset) }));
        if (line.sponsor) {
          ctx.effect(sponsorshipEffect('trustline', 'removed', ctx.sourceId, trustlineRef(asset), line.sponsor, null));
        }
        return out('changeTrustSuccess', d);
      }
      if (!state.getAccount(issuerId)) return out('changeTrustNoIssuer', d);
      state.putTrustLine({ ...line, limit });
      ctx.effect(effect('trustline_updated', ctx.sourceId, { limit: d.limit, ...assetDetails(asset) }));
      return out('changeTrustSuccess', d);
    }

    if (limit === 0n) return out('changeTrustInvalidLimit', d);
    const issuer = state.getAccount(issuerId);
    if (!issuer) return out('changeTrustNoIssuer', d);
    let flags = (issuer.flags & AUTH_REQUIRED_FLAG) === 0 ? AUTHORIZED_FLAG : 0;
    if ((issuer.flags & AUTH_CLAWBACK_ENABLED_FLAG) !== 0) flags |= TRUSTLINE_CLAWBACK_ENABLED_FLAG;

    const sp = createSubentry(state, header.baseReserve, ctx.sourceId);
    if (sp.result !== 'success') return sponsorshipFailure(sp.result, () => out('changeTrustLowReserve', d), d);
    state.putTrustLine({
      accountId: ctx.sourceId,
      asset,
      balance: 0n,
      limit: limit > INT64_MAX ? INT64_MAX : limit,
      flags,
      buyingLiabilities: 0n,
      sellingLiabilities: 0n,
      sponsor: sp.sponsor,
    });
    ctx.effect(effect('trustline_created', ctx.sourceId, { limit: d.limit, ...assetDetails(asset) }));
    if (sp.sponsor) {
      ctx.effect(sponsorshipEffect('trustline', 'created', ctx.sourceId, trustlineRef(asset), null, sp.sponsor));
    }
    return out('changeTrustSuccess', d);
  },
};

/** Horizon names a trustline in sponsorship effects by its canonical asset string. */
export function trustlineRef(asset: AssetKey): Record<string, unknown> {
  return { asset_type: assetDetails(asset).asset_type, asset };
}
