/**
 * setTrustLineFlags (LOW threshold), after stellar-core's SetTrustLineFlagsOpFrame:
 * the issuer sets and clears authorization and clawback flags on a trustline.
 */
import { xdr } from '@stellar/stellar-sdk';
import {
  AUTHORIZED_FLAG, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG, AssetKey, TRUSTLINE_CLAWBACK_ENABLED_FLAG, assetIssuer,
} from '../state/entries';
import { OpContext, OpFrame } from './types';
import { accountIdOfKey, assetDetails, assetKeyOf, isAssetValid } from './dex-format';
import { TRUSTLINE_AUTH_FLAGS, applyTrustFlags, flagEffectDetails } from './trust-flags-base';
import { effect, voidResults } from './support';

const out = voidResults('setTrustLineFlags', xdr.SetTrustLineFlagsResult, {
  setTrustLineFlagsSuccess: 'op_success',
  setTrustLineFlagsMalformed: 'op_malformed',
  setTrustLineFlagsNoTrustLine: 'op_no_trust',
  setTrustLineFlagsCantRevoke: 'op_cant_revoke',
  setTrustLineFlagsInvalidState: 'op_invalid_state',
  setTrustLineFlagsLowReserve: 'op_low_reserve',
});

const ALL_TRUSTLINE_FLAGS = AUTHORIZED_FLAG | AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG | TRUSTLINE_CLAWBACK_ENABLED_FLAG;

/** trustLineFlagIsValid: known bits, and not both kinds of authorization at once. */
function flagsValid(f: number): boolean {
  return (f & ~ALL_TRUSTLINE_FLAGS) === 0 && (f & TRUSTLINE_AUTH_FLAGS) !== TRUSTLINE_AUTH_FLAGS;
}

/** Horizon's flag lists (its spelling of "liabilites" included). */
function flagLists(f: number, prefix: string): Record<string, unknown> {
  const n: number[] = [];
  const s: string[] = [];
  if (f & AUTHORIZED_FLAG) { n.push(AUTHORIZED_FLAG); s.push('authorized'); }
  if (f & AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG) {
    n.push(AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG); s.push('authorized_to_maintain_liabilites');
  }
  if (f & TRUSTLINE_CLAWBACK_ENABLED_FLAG) { n.push(TRUSTLINE_CLAWBACK_ENABLED_FLAG); s.push('clawback_enabled'); }
  return n.length ? { [`${prefix}flags`]: n, [`${prefix}flags_s`]: s } : {};
}

function details(body: xdr.SetTrustLineFlagsOp, asset: AssetKey | null): Record<string, unknown> {
  return {
    ...(asset ? assetDetails(asset) : {}),
    trustor: accountIdOfKey(body.trustor().ed25519()),
    ...flagLists(body.setFlags(), 'set_'),
    ...flagLists(body.clearFlags(), 'clear_'),
  };
}

export const frame: OpFrame<xdr.SetTrustLineFlagsOp> = {
  type: 'setTrustLineFlags',
  threshold: () => 'low',

  checkValid(body, ctx) {
    const a = body.asset();
    const valid = a.switch().name !== 'assetTypeNative' && isAssetValid(a);
    const asset = valid ? assetKeyOf(a) : null;
    const d = details(body, asset);
    const set = body.setFlags();
    const clear = body.clearFlags();
    if (!asset) return out('setTrustLineFlagsMalformed', d);
    if (assetIssuer(asset) !== ctx.sourceId) return out('setTrustLineFlagsMalformed', d);
    if (d.trustor === ctx.sourceId) return out('setTrustLineFlagsMalformed', d);
    if ((set & clear) !== 0) return out('setTrustLineFlagsMalformed', d);
    if (!flagsValid(set) || (set & TRUSTLINE_CLAWBACK_ENABLED_FLAG) !== 0) return out('setTrustLineFlagsMalformed', d);
    if ((clear & ~ALL_TRUSTLINE_FLAGS) !== 0) return out('setTrustLineFlagsMalformed', d);
    return null;
  },

  apply(body, ctx: OpContext) {
    const asset = assetKeyOf(body.asset());
    const d = details(body, asset);
    const set = body.setFlags();
    const clear = body.clearFlags();
    const r = applyTrustFlags(ctx, d.trustor as string, asset, {
      // Without AUTH_REVOCABLE an issuer may not lower authorization in any way.
      revocationAllowed: (revocable) => revocable || (clear & TRUSTLINE_AUTH_FLAGS) === 0 || (set & AUTHORIZED_FLAG) !== 0,
      expectedFlags: (line) => {
        const f = (line.flags & ~clear) | set;
        return (f & TRUSTLINE_AUTH_FLAGS) === TRUSTLINE_AUTH_FLAGS ? null : f;
      },
      maintainRevocationAllowed: () => true,
    });
    if (r === 'cantRevoke') return out('setTrustLineFlagsCantRevoke', d);
    if (r === 'noTrustLine') return out('setTrustLineFlagsNoTrustLine', d);
    if (r === 'invalidState') return out('setTrustLineFlagsInvalidState', d);
    if (set !== 0 || clear !== 0) {
      ctx.effect(effect('trustline_flags_updated', ctx.sourceId, {
        trustor: d.trustor, ...assetDetails(asset), ...flagEffectDetails(set, clear),
      }));
    }
    return out('setTrustLineFlagsSuccess', d);
  },
};
