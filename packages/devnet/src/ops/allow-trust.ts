/**
 * allowTrust (LOW threshold), after stellar-core's AllowTrustOpFrame: the issuer
 * (source) sets the authorization flags of a trustline to one of its own assets.
 */
import { xdr } from '@stellar/stellar-sdk';
import { AUTHORIZED_FLAG, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG, AssetKey } from '../state/entries';
import { isAuthorized } from '../state/balances';
import { OpContext, OpFrame } from './types';
import { accountIdOfKey, accountXdr, assetDetails, isAssetValid } from './dex-format';
import { TRUSTLINE_AUTH_FLAGS, applyTrustFlags, flagEffectDetails } from './trust-flags-base';
import { effect, voidResults } from './support';

const out = voidResults('allowTrust', xdr.AllowTrustResult, {
  allowTrustSuccess: 'op_success',
  allowTrustMalformed: 'op_malformed',
  allowTrustNoTrustLine: 'op_no_trust',
  allowTrustTrustNotRequired: 'op_not_required',
  allowTrustCantRevoke: 'op_cant_revoke',
  allowTrustSelfNotAllowed: 'op_self_not_allowed',
  allowTrustLowReserve: 'op_low_reserve',
});

/** The asset is the code in the op issued by the op's source. */
function opAsset(body: xdr.AllowTrustOp, issuer: string): { xdrAsset: xdr.Asset; key: AssetKey } {
  const a = body.asset();
  const issuerXdr = accountXdr(issuer);
  const raw = a.switch().name === 'assetTypeCreditAlphanum4' ? a.assetCode4() : a.assetCode12();
  const xdrAsset = a.switch().name === 'assetTypeCreditAlphanum4'
    ? xdr.Asset.assetTypeCreditAlphanum4(new xdr.AlphaNum4({ assetCode: raw, issuer: issuerXdr }))
    : xdr.Asset.assetTypeCreditAlphanum12(new xdr.AlphaNum12({ assetCode: raw, issuer: issuerXdr }));
  const end = raw.indexOf(0);
  return { xdrAsset, key: `${raw.toString('latin1', 0, end < 0 ? raw.length : end)}:${issuer}` };
}

function details(body: xdr.AllowTrustOp, asset: AssetKey, ctx: OpContext): Record<string, unknown> {
  const auth = body.authorize();
  return {
    ...assetDetails(asset),
    trustee: ctx.sourceId,
    trustor: accountIdOfKey(body.trustor().ed25519()),
    authorize: auth === AUTHORIZED_FLAG,
    authorize_to_maintain_liabilities: auth === AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG,
  };
}

export const frame: OpFrame<xdr.AllowTrustOp> = {
  type: 'allowTrust',
  threshold: () => 'low',

  checkValid(body, ctx) {
    const { xdrAsset, key } = opAsset(body, ctx.sourceId);
    const d = details(body, key, ctx);
    // 3 (both auth flags) is above the maximum too, which covers trustLineFlagIsValid.
    if (body.authorize() > AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG) return out('allowTrustMalformed', d);
    if (!isAssetValid(xdrAsset)) return out('allowTrustMalformed', d);
    if (d.trustor === ctx.sourceId) return out('allowTrustMalformed', d);
    return null;
  },

  apply(body, ctx) {
    const { key } = opAsset(body, ctx.sourceId);
    const d = details(body, key, ctx);
    const authorize = body.authorize();
    const r = applyTrustFlags(ctx, d.trustor as string, key, {
      revocationAllowed: (revocable) => revocable || authorize !== 0,
      expectedFlags: (line) => (line.flags & ~TRUSTLINE_AUTH_FLAGS) | authorize,
      maintainRevocationAllowed: (revocable, line, flags) =>
        revocable || !(isAuthorized(line) && (flags & AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG) !== 0),
    });
    if (r === 'cantRevoke') return out('allowTrustCantRevoke', d);
    if (r === 'noTrustLine' || r === 'invalidState') return out('allowTrustNoTrustLine', d);

    // Horizon reports the legacy effect and, for forward compatibility, the flags one.
    const base = { trustor: d.trustor, ...assetDetails(key) };
    if (authorize === AUTHORIZED_FLAG) {
      ctx.effect(effect('trustline_authorized', ctx.sourceId, base));
      ctx.effect(effect('trustline_flags_updated', ctx.sourceId, { ...base, ...flagEffectDetails(AUTHORIZED_FLAG, 0) }));
    } else if (authorize === AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG) {
      ctx.effect(effect('trustline_authorized_to_maintain_liabilities', ctx.sourceId, base));
      ctx.effect(effect('trustline_flags_updated', ctx.sourceId, {
        ...base, ...flagEffectDetails(AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG, 0),
      }));
    } else {
      ctx.effect(effect('trustline_deauthorized', ctx.sourceId, base));
      ctx.effect(effect('trustline_flags_updated', ctx.sourceId, { ...base, ...flagEffectDetails(0, TRUSTLINE_AUTH_FLAGS) }));
    }
    return out('allowTrustSuccess', d);
  },
};
