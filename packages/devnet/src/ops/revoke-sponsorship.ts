/**
 * revokeSponsorship, after stellar-core's RevokeSponsorshipOpFrame: the current
 * sponsor (or, for an unsponsored entry, its owner) moves an entry's reserve to the
 * account now sponsoring the source's future reserves, or back to the owner.
 * Claimable balances and liquidity pools do not exist on the devnet.
 */
import { xdr } from '@stellar/stellar-sdk';
import { AccountId, AssetKey, NATIVE, assetIssuer } from '../state/entries';
import { availableNative } from '../state/balances';
import { canSponsor } from '../state/sponsorship';
import { OpContext, OpFrame, OpOutcome } from './types';
import { accountIdOfKey, assetKeyOf, isAssetValid } from './dex-format';
import { trustlineRef } from './change-trust';
import { isStringValid, opLevel, signerKeyString, sponsorshipEffect, voidResults, xdrString } from './support';

const out = voidResults('revokeSponsorship', xdr.RevokeSponsorshipResult, {
  revokeSponsorshipSuccess: 'op_success',
  revokeSponsorshipDoesNotExist: 'op_does_not_exist',
  revokeSponsorshipNotSponsor: 'op_not_sponsor',
  revokeSponsorshipLowReserve: 'op_low_reserve',
  revokeSponsorshipOnlyTransferable: 'op_only_transferable',
  revokeSponsorshipMalformed: 'op_malformed',
});

/** What the op moves: one reserve-carrying thing, whoever its owner and sponsor. */
interface Sponsorable {
  kind: 'account' | 'trustline' | 'data' | 'signer' | 'offer';
  owner: AccountId;
  sponsor: AccountId | null;
  /** Reserves it carries: 2 for an account, 1 for anything else. */
  mult: number;
  /** Writes the entry back with a new sponsor (reads it fresh: counters may have moved). */
  setSponsor(s: AccountId | null): void;
  effectRef: Record<string, unknown>;
}

function trustLineAssetKey(a: xdr.TrustLineAsset): AssetKey | null {
  switch (a.switch().name) {
    case 'assetTypeNative': return NATIVE;
    case 'assetTypeCreditAlphanum4': return assetKeyOf(xdr.Asset.assetTypeCreditAlphanum4(a.alphaNum4()));
    case 'assetTypeCreditAlphanum12': return assetKeyOf(xdr.Asset.assetTypeCreditAlphanum12(a.alphaNum12()));
    default: return null;
  }
}

function trustLineAssetValid(a: xdr.TrustLineAsset): boolean {
  switch (a.switch().name) {
    case 'assetTypeCreditAlphanum4': return isAssetValid(xdr.Asset.assetTypeCreditAlphanum4(a.alphaNum4()));
    case 'assetTypeCreditAlphanum12': return isAssetValid(xdr.Asset.assetTypeCreditAlphanum12(a.alphaNum12()));
    default: return false;
  }
}

function details(body: xdr.RevokeSponsorshipOp): Record<string, unknown> {
  if (body.switch().name === 'revokeSponsorshipSigner') {
    const s = body.signer();
    return { signer_account_id: accountIdOfKey(s.accountId().ed25519()), signer_key: signerKeyString(s.signerKey()) };
  }
  const k = body.ledgerKey();
  switch (k.switch().name) {
    case 'account': return { account_id: accountIdOfKey(k.account().accountId().ed25519()) };
    case 'trustline': {
      const asset = trustLineAssetKey(k.trustLine().asset());
      return { trustline_account_id: accountIdOfKey(k.trustLine().accountId().ed25519()), trustline_asset: asset ?? '' };
    }
    case 'offer': return { offer_id: k.offer().offerId().toBigInt().toString() };
    case 'data': return {
      data_account_id: accountIdOfKey(k.data().accountId().ed25519()),
      data_name: xdrString(k.data().dataName()).toString('latin1'),
    };
    default: return {};
  }
}

function load(ctx: OpContext, body: xdr.RevokeSponsorshipOp): Sponsorable | null {
  const { state } = ctx;
  if (body.switch().name === 'revokeSponsorshipSigner') {
    const owner = accountIdOfKey(body.signer().accountId().ed25519());
    const key = signerKeyString(body.signer().signerKey());
    const acc = state.getAccount(owner);
    const signer = acc?.signers.find((s) => s.key === key);
    if (!signer) return null;
    return {
      kind: 'signer', owner, sponsor: signer.sponsor, mult: 1, effectRef: { signer: key },
      setSponsor: (s) => {
        const a = state.getAccount(owner)!;
        state.putAccount({ ...a, signers: a.signers.map((x) => (x.key === key ? { ...x, sponsor: s } : x)) });
      },
    };
  }
  const k = body.ledgerKey();
  switch (k.switch().name) {
    case 'account': {
      const id = accountIdOfKey(k.account().accountId().ed25519());
      const acc = state.getAccount(id);
      if (!acc) return null;
      return {
        kind: 'account', owner: id, sponsor: acc.sponsor, mult: 2, effectRef: {},
        setSponsor: (s) => state.putAccount({ ...state.getAccount(id)!, sponsor: s }),
      };
    }
    case 'trustline': {
      const id = accountIdOfKey(k.trustLine().accountId().ed25519());
      const asset = trustLineAssetKey(k.trustLine().asset())!;
      const line = state.getTrustLine(id, asset);
      if (!line) return null;
      return {
        kind: 'trustline', owner: id, sponsor: line.sponsor, mult: 1, effectRef: trustlineRef(asset),
        setSponsor: (s) => state.putTrustLine({ ...state.getTrustLine(id, asset)!, sponsor: s }),
      };
    }
    case 'offer': {
      const seller = accountIdOfKey(k.offer().sellerId().ed25519());
      const offer = state.getOffer(k.offer().offerId().toBigInt());
      if (!offer || offer.sellerId !== seller) return null;
      return {
        kind: 'offer', owner: seller, sponsor: offer.sponsor, mult: 1, effectRef: {},
        setSponsor: (s) => state.putOffer({ ...state.getOffer(offer.offerId)!, sponsor: s }),
      };
    }
    case 'data': {
      const id = accountIdOfKey(k.data().accountId().ed25519());
      const name = xdrString(k.data().dataName()).toString('latin1');
      const data = state.getData(id, name);
      if (!data) return null;
      return {
        kind: 'data', owner: id, sponsor: data.sponsor, mult: 1, effectRef: { data_name: name },
        setSponsor: (s) => state.putData({ ...state.getData(id, name)!, sponsor: s }),
      };
    }
    default: return null;
  }
}

function addCounters(ctx: OpContext, id: AccountId, sponsoring: number, sponsored: number): void {
  const a = ctx.state.getAccount(id)!;
  ctx.state.putAccount({
    ...a, numSponsoring: a.numSponsoring + sponsoring, numSponsored: a.numSponsored + sponsored,
  });
}

function sponsorshipOutcome(r: ReturnType<typeof canSponsor>, d: Record<string, unknown>): OpOutcome | null {
  switch (r) {
    case 'success': return null;
    case 'low_reserve': return out('revokeSponsorshipLowReserve', d);
    case 'too_many_sponsoring': return opLevel('opTooManySponsoring', d);
    default: throw new Error(`revokeSponsorship: unexpected sponsorship result ${r}`);
  }
}

export const frame: OpFrame<xdr.RevokeSponsorshipOp> = {
  type: 'revokeSponsorship',
  threshold: () => 'medium',

  checkValid(body) {
    if (body.switch().name !== 'revokeSponsorshipLedgerEntry') return null;
    const d = details(body);
    const k = body.ledgerKey();
    switch (k.switch().name) {
      case 'account': return null;
      case 'trustline': {
        const tl = k.trustLine();
        const asset = trustLineAssetKey(tl.asset());
        if (!trustLineAssetValid(tl.asset()) || asset === null
          || assetIssuer(asset) === accountIdOfKey(tl.accountId().ed25519())) {
          return out('revokeSponsorshipMalformed', d);
        }
        return null;
      }
      case 'offer': return k.offer().offerId().toBigInt() <= 0n ? out('revokeSponsorshipMalformed', d) : null;
      case 'data': {
        const name = xdrString(k.data().dataName());
        return name.length < 1 || !isStringValid(name) ? out('revokeSponsorshipMalformed', d) : null;
      }
      case 'claimableBalance': return null;
      default: return out('revokeSponsorshipMalformed', d);
    }
  },

  apply(body, ctx) {
    const { state, header } = ctx;
    const d = details(body);
    const e = load(ctx, body);
    if (!e) return out('revokeSponsorshipDoesNotExist', d);

    const was = e.sponsor !== null;
    if (was ? e.sponsor !== ctx.sourceId : e.owner !== ctx.sourceId) return out('revokeSponsorshipNotSponsor', d);
    // Whoever sponsors the source's future reserves takes the entry over, unless that is the owner.
    const next = state.sponsorOf(ctx.sourceId);
    const will = next !== undefined && next !== e.owner;
    const reserve = BigInt(e.mult) * header.baseReserve;

    if (was && will) {
      const fail = sponsorshipOutcome(canSponsor(state, header.baseReserve, next!, e.mult, 0), d);
      if (fail) return fail;
      addCounters(ctx, e.sponsor!, -e.mult, 0);
      addCounters(ctx, next!, e.mult, 0);
      e.setSponsor(next!);
      emit(ctx, e, 'updated', e.sponsor, next!);
    } else if (was) {
      // The owner pays its own reserve again.
      if (availableNative(state.getAccount(e.owner)!, header.baseReserve) < reserve) {
        return out('revokeSponsorshipLowReserve', d);
      }
      addCounters(ctx, e.sponsor!, -e.mult, 0);
      addCounters(ctx, e.owner, 0, -e.mult);
      e.setSponsor(null);
      emit(ctx, e, 'removed', e.sponsor, null);
    } else if (will) {
      const owner = state.getAccount(e.owner)!;
      const fail = sponsorshipOutcome(canSponsor(state, header.baseReserve, next!, e.mult, owner.numSponsored), d);
      if (fail) return fail;
      addCounters(ctx, next!, e.mult, 0);
      addCounters(ctx, e.owner, 0, e.mult);
      e.setSponsor(next!);
      emit(ctx, e, 'created', null, next!);
    }
    return out('revokeSponsorshipSuccess', d);
  },
};

function emit(
  ctx: OpContext, e: Sponsorable, change: 'created' | 'updated' | 'removed',
  former: AccountId | null, next: AccountId | null,
): void {
  if (e.kind === 'offer') return; // Horizon has no offer sponsorship effects.
  ctx.effect(sponsorshipEffect(e.kind, change, e.owner, e.effectRef, former, next));
}
