/**
 * setOptions, after stellar-core's SetOptionsOpFrame: HIGH threshold when it
 * touches weights, thresholds or signers, else MEDIUM. Signers are kept sorted by
 * key (stellar-core's findSignerByKey), each one a subentry that may be sponsored.
 */
import { xdr } from '@stellar/stellar-sdk';
import {
  AUTH_CLAWBACK_ENABLED_FLAG, AUTH_IMMUTABLE_FLAG, AUTH_REQUIRED_FLAG, AUTH_REVOCABLE_FLAG, AccountEntry,
  MAX_SIGNERS, Signer,
} from '../state/entries';
import { createSubentry, removeSubentry } from '../state/sponsorship';
import { OpContext, OpFrame, OpOutcome } from './types';
import { accountIdOfKey } from './dex-format';
import {
  effect, insertSigner, isStringValid, signerKeyString, sponsorshipEffect, sponsorshipFailure, voidResults, xdrString,
} from './support';

const out = voidResults('setOptions', xdr.SetOptionsResult, {
  setOptionsSuccess: 'op_success',
  setOptionsLowReserve: 'op_low_reserve',
  setOptionsTooManySigners: 'op_too_many_signers',
  setOptionsBadFlags: 'op_bad_flags',
  setOptionsInvalidInflation: 'op_invalid_inflation',
  setOptionsCantChange: 'op_cant_change',
  setOptionsUnknownFlag: 'op_unknown_flag',
  setOptionsThresholdOutOfRange: 'op_threshold_out_of_range',
  setOptionsBadSigner: 'op_bad_signer',
  setOptionsInvalidHomeDomain: 'op_invalid_home_domain',
  setOptionsAuthRevocableRequired: 'op_auth_revocable_required',
});

const ALL_ACCOUNT_FLAGS = AUTH_REQUIRED_FLAG | AUTH_REVOCABLE_FLAG | AUTH_IMMUTABLE_FLAG | AUTH_CLAWBACK_ENABLED_FLAG;

const FLAG_NAMES: Array<[number, string]> = [
  [AUTH_REQUIRED_FLAG, 'auth_required'],
  [AUTH_REVOCABLE_FLAG, 'auth_revocable'],
  [AUTH_IMMUTABLE_FLAG, 'auth_immutable'],
  [AUTH_CLAWBACK_ENABLED_FLAG, 'auth_clawback_enabled'],
];

const isSet = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined;

function details(body: xdr.SetOptionsOp): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  const infl = body.inflationDest();
  if (isSet(infl)) d.inflation_dest = accountIdOfKey(infl.ed25519());
  const home = body.homeDomain();
  if (isSet(home)) d.home_domain = xdrString(home).toString('latin1');
  const flags = (f: number | null | undefined, prefix: string): void => {
    if (!isSet(f)) return;
    const known = FLAG_NAMES.filter(([bit]) => f & bit);
    d[`${prefix}_flags`] = known.map(([bit]) => bit);
    d[`${prefix}_flags_s`] = known.map(([, name]) => name);
  };
  flags(body.setFlags(), 'set');
  flags(body.clearFlags(), 'clear');
  if (isSet(body.masterWeight())) d.master_key_weight = body.masterWeight();
  if (isSet(body.lowThreshold())) d.low_threshold = body.lowThreshold();
  if (isSet(body.medThreshold())) d.med_threshold = body.medThreshold();
  if (isSet(body.highThreshold())) d.high_threshold = body.highThreshold();
  const signer = body.signer();
  if (isSet(signer)) {
    d.signer_key = signerKeyString(signer.key());
    d.signer_weight = signer.weight();
  }
  return d;
}

/** Weights by signer key, the master key included (Horizon diffs these for signer effects). */
function weights(a: AccountEntry): Map<string, number> {
  const m = new Map<string, number>();
  if (a.thresholds[0] > 0) m.set(a.accountId, a.thresholds[0]);
  for (const s of a.signers) m.set(s.key, s.weight);
  return m;
}

export const frame: OpFrame<xdr.SetOptionsOp> = {
  type: 'setOptions',
  threshold(body) {
    return isSet(body.masterWeight()) || isSet(body.lowThreshold()) || isSet(body.medThreshold())
      || isSet(body.highThreshold()) || isSet(body.signer()) ? 'high' : 'medium';
  },

  checkValid(body, ctx) {
    const d = details(body);
    const set = body.setFlags();
    const clear = body.clearFlags();
    if ((isSet(set) && (set & ~ALL_ACCOUNT_FLAGS) !== 0) || (isSet(clear) && (clear & ~ALL_ACCOUNT_FLAGS) !== 0)) {
      return out('setOptionsUnknownFlag', d);
    }
    if (isSet(set) && isSet(clear) && (set & clear) !== 0) return out('setOptionsBadFlags', d);
    for (const t of [body.masterWeight(), body.lowThreshold(), body.medThreshold(), body.highThreshold()]) {
      if (isSet(t) && t > 255) return out('setOptionsThresholdOutOfRange', d);
    }
    const signer = body.signer();
    if (isSet(signer)) {
      if (d.signer_key === ctx.sourceId) return out('setOptionsBadSigner', d);
      if (signer.weight() > 255) return out('setOptionsBadSigner', d);
    }
    const home = body.homeDomain();
    if (isSet(home) && !isStringValid(xdrString(home))) return out('setOptionsInvalidHomeDomain', d);
    return null;
  },

  apply(body, ctx) {
    const { state } = ctx;
    const d = details(body);
    const before = state.getAccount(ctx.sourceId)!;
    let acc: AccountEntry = before;

    const infl = body.inflationDest();
    if (isSet(infl)) {
      const id = d.inflation_dest as string;
      if (id !== ctx.sourceId && !state.getAccount(id)) return out('setOptionsInvalidInflation', d);
      acc = { ...acc, inflationDest: id };
    }
    const clear = body.clearFlags();
    if (isSet(clear)) {
      if ((clear & ALL_ACCOUNT_FLAGS) !== 0 && (acc.flags & AUTH_IMMUTABLE_FLAG) !== 0) return out('setOptionsCantChange', d);
      acc = { ...acc, flags: acc.flags & ~clear };
    }
    const set = body.setFlags();
    if (isSet(set)) {
      if ((set & ALL_ACCOUNT_FLAGS) !== 0 && (acc.flags & AUTH_IMMUTABLE_FLAG) !== 0) return out('setOptionsCantChange', d);
      acc = { ...acc, flags: acc.flags | set };
    }
    if ((isSet(set) || isSet(clear))
      && (acc.flags & AUTH_CLAWBACK_ENABLED_FLAG) !== 0 && (acc.flags & AUTH_REVOCABLE_FLAG) === 0) {
      return out('setOptionsAuthRevocableRequired', d);
    }
    if (isSet(d.home_domain)) acc = { ...acc, homeDomain: d.home_domain as string };
    const t: [number, number, number, number] = [...acc.thresholds];
    const mw = body.masterWeight();
    if (isSet(mw)) t[0] = mw & 0xff;
    const lo = body.lowThreshold();
    if (isSet(lo)) t[1] = lo & 0xff;
    const med = body.medThreshold();
    if (isSet(med)) t[2] = med & 0xff;
    const hi = body.highThreshold();
    if (isSet(hi)) t[3] = hi & 0xff;
    acc = { ...acc, thresholds: t };
    state.putAccount(acc);

    const signer = body.signer();
    if (isSet(signer)) {
      const failed = changeSigner(ctx, d.signer_key as string, signer.weight(), d);
      if (failed) return failed;
    }
    emitEffects(ctx, body, before, state.getAccount(ctx.sourceId)!, d);
    return out('setOptionsSuccess', d);
  },
};

function changeSigner(ctx: OpContext, key: string, weight: number, d: Record<string, unknown>): OpOutcome | null {
  const { state, header } = ctx;
  const acc = state.getAccount(ctx.sourceId)!;
  const i = acc.signers.findIndex((s) => s.key === key);
  if (weight > 0) {
    if (i >= 0) {
      const signers = acc.signers.map((s, j) => (j === i ? { ...s, weight } : s));
      state.putAccount({ ...acc, signers });
      return null;
    }
    if (acc.signers.length >= MAX_SIGNERS) return out('setOptionsTooManySigners', d);
    const sp = createSubentry(state, header.baseReserve, ctx.sourceId);
    if (sp.result !== 'success') return sponsorshipFailure(sp.result, () => out('setOptionsLowReserve', d), d);
    const now = state.getAccount(ctx.sourceId)!;
    const s: Signer = { key, weight, sponsor: sp.sponsor };
    state.putAccount({ ...now, signers: insertSigner(now.signers, s) });
    if (sp.sponsor) ctx.effect(sponsorshipEffect('signer', 'created', ctx.sourceId, { signer: key }, null, sp.sponsor));
    return null;
  }
  if (i >= 0) {
    const removed = acc.signers[i];
    removeSubentry(state, ctx.sourceId, removed.sponsor);
    const now = state.getAccount(ctx.sourceId)!;
    state.putAccount({ ...now, signers: now.signers.filter((s) => s.key !== key) });
    if (removed.sponsor) {
      ctx.effect(sponsorshipEffect('signer', 'removed', ctx.sourceId, { signer: key }, removed.sponsor, null));
    }
  }
  return null;
}

/** Horizon's order: home domain, thresholds, flags, inflation destination, then signers. */
function emitEffects(
  ctx: OpContext, body: xdr.SetOptionsOp, before: AccountEntry, after: AccountEntry, d: Record<string, unknown>,
): void {
  const id = ctx.sourceId;
  if (isSet(d.home_domain)) ctx.effect(effect('account_home_domain_updated', id, { home_domain: d.home_domain }));
  if (isSet(body.lowThreshold()) || isSet(body.medThreshold()) || isSet(body.highThreshold())) {
    ctx.effect(effect('account_thresholds_updated', id, {
      low_threshold: after.thresholds[1], med_threshold: after.thresholds[2], high_threshold: after.thresholds[3],
    }));
  }
  const set = body.setFlags() ?? 0;
  const clear = body.clearFlags() ?? 0;
  if (set !== 0 || clear !== 0) {
    const f: Record<string, boolean> = {};
    for (const [bit, name] of FLAG_NAMES) {
      if (set & bit) f[`${name}_flag`] = true;
      else if (clear & bit) f[`${name}_flag`] = false;
    }
    ctx.effect(effect('account_flags_updated', id, f));
  }
  if (isSet(d.inflation_dest)) {
    ctx.effect(effect('account_inflation_destination_updated', id, { inflation_destination: d.inflation_dest }));
  }
  const was = weights(before);
  const now = weights(after);
  for (const [key, w] of was) {
    const n = now.get(key);
    if (n === undefined) ctx.effect(effect('signer_removed', id, { public_key: key, weight: 0, key: '' }));
    else if (n !== w) ctx.effect(effect('signer_updated', id, { public_key: key, weight: n, key: '' }));
  }
  for (const [key, w] of now) {
    if (!was.has(key)) ctx.effect(effect('signer_created', id, { public_key: key, weight: w, key: '' }));
  }
}
