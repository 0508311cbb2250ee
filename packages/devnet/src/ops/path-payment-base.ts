/**
 * What payment, pathPaymentStrictReceive and pathPaymentStrictSend share, after
 * stellar-core's PathPaymentOpFrameBase: the issuer bypass, crediting the
 * destination, debiting the source, and converting one hop through the book.
 * Codes are Horizon's strings; the op modules turn them into XDR results.
 */
import { StrKey, xdr } from '@stellar/stellar-sdk';
import { AccountId, AssetKey, INT64_MAX, NATIVE, OfferEntry, assetIssuer } from '../state/entries';
import { addBalance, availableNative, holding, holdingAuthorized } from '../state/balances';
import { ClaimedOffer, FilterResult, MAX_OFFERS_TO_CROSS, convertWithOffers } from '../offers';
import { Rounding } from '../exchange';
import { OpContext } from './types';
import { accountIdOfKey, accountXdr, amountString, assetDetails, assetXdr, int64 } from './dex-format';

export type PathPaymentCode =
  | 'op_success' | 'op_malformed' | 'op_underfunded' | 'op_src_no_trust' | 'op_src_not_authorized'
  | 'op_no_destination' | 'op_no_trust' | 'op_not_authorized' | 'op_line_full' | 'op_no_issuer'
  | 'op_too_few_offers' | 'op_cross_self' | 'op_over_source_max' | 'op_under_dest_min'
  | 'op_exceeded_work_limit';

export interface PathPaymentInput {
  readonly destId: AccountId;
  readonly sendAsset: AssetKey;
  readonly destAsset: AssetKey;
  readonly path: readonly AssetKey[];
}

export interface PathPaymentOutcome {
  readonly code: PathPaymentCode;
  readonly sent: bigint;
  readonly received: bigint;
  /** Offers crossed, in path order (source side first). */
  readonly claimed: ClaimedOffer[];
}

/**
 * Paying an issuer its own asset, with no path, does not need the issuer's
 * account to exist: credits can always go back to their issuer.
 */
export function shouldBypassIssuerCheck(p: PathPaymentInput): boolean {
  return p.destAsset !== NATIVE && p.path.length === 0 && p.sendAsset === p.destAsset
    && assetIssuer(p.destAsset) === p.destId;
}

export function updateSourceBalance(ctx: OpContext, asset: AssetKey, amount: bigint): PathPaymentCode | null {
  const { state } = ctx;
  const base = ctx.header.baseReserve;
  if (asset === NATIVE) {
    const acc = state.getAccount(ctx.sourceId);
    if (!acc) return 'op_malformed';
    if (amount > availableNative(acc, base)) return 'op_underfunded';
    if (!addBalance(state, { kind: 'native', account: acc }, -amount, base)) throw new Error('source debit failed');
    return null;
  }
  const h = holding(state, ctx.sourceId, asset);
  if (!h) return 'op_src_no_trust';
  if (!holdingAuthorized(h)) return 'op_src_not_authorized';
  if (!addBalance(state, h, -amount, base)) return 'op_underfunded';
  return null;
}

export function updateDestBalance(ctx: OpContext, destId: AccountId, asset: AssetKey, amount: bigint): PathPaymentCode | null {
  const { state } = ctx;
  const base = ctx.header.baseReserve;
  if (asset === NATIVE) {
    const acc = state.getAccount(destId);
    if (!acc || !addBalance(state, { kind: 'native', account: acc }, amount, base)) return 'op_line_full';
    return null;
  }
  const h = holding(state, destId, asset);
  if (!h) return 'op_no_trust';
  if (!holdingAuthorized(h)) return 'op_not_authorized';
  if (!addBalance(state, h, amount, base)) return 'op_line_full';
  return null;
}

/** A path payment may not cross an offer of its own source (OFFER_CROSS_SELF). */
function crossSelfFilter(sourceId: AccountId): (o: OfferEntry) => FilterResult {
  return (o) => (o.sellerId === sourceId ? 'stopCrossSelf' : 'keep');
}

export interface Hop {
  readonly code: PathPaymentCode | null;
  readonly sent: bigint;
  readonly received: bigint;
  readonly claimed: ClaimedOffer[];
}

/**
 * One hop, sendAsset → recvAsset. Strict receive must receive exactly maxRecv,
 * strict send must spend exactly maxSend, else TOO_FEW_OFFERS.
 */
export function convertHop(
  ctx: OpContext, offersCrossed: number, sendAsset: AssetKey, maxSend: bigint,
  recvAsset: AssetKey, maxRecv: bigint, round: Rounding,
): Hop {
  const conv = convertWithOffers(
    ctx.state, ctx.header.baseReserve, sendAsset, maxSend, recvAsset, maxRecv, round,
    crossSelfFilter(ctx.sourceId), MAX_OFFERS_TO_CROSS - offersCrossed,
  );
  const hop = (code: PathPaymentCode | null): Hop =>
    ({ code, sent: conv.sheepSend, received: conv.wheatReceived, claimed: conv.claimed });
  switch (conv.result) {
    case 'stopCrossSelf': return hop('op_cross_self');
    case 'crossedTooMany': return hop('op_exceeded_work_limit');
    case 'ok': {
      const exact = round === 'strictSend' ? conv.sheepSend === maxSend : conv.wheatReceived === maxRecv;
      return hop(exact ? null : 'op_too_few_offers');
    }
    default: return hop('op_too_few_offers');
  }
}

/** stellar-core's PathPaymentStrictReceive doApply, shared with payment. */
export function applyStrictReceive(
  ctx: OpContext, p: PathPaymentInput, destAmount: bigint, sendMax: bigint,
): PathPaymentOutcome {
  const fail = (code: PathPaymentCode, claimed: ClaimedOffer[] = []): PathPaymentOutcome =>
    ({ code, sent: 0n, received: 0n, claimed });
  const bypass = shouldBypassIssuerCheck(p);
  if (!bypass && !ctx.state.getAccount(p.destId)) return fail('op_no_destination');
  const destCode = updateDestBalance(ctx, p.destId, p.destAsset, destAmount);
  if (destCode) return fail(destCode);

  // Walk from the destination back to the source: each hop must deliver exactly.
  const fullPath = [...p.path].reverse();
  fullPath.push(p.sendAsset);
  let claimed: ClaimedOffer[] = [];
  let recvAsset = p.destAsset;
  let maxRecv = destAmount;
  for (const sendAsset of fullPath) {
    if (sendAsset === recvAsset) continue;
    const hop = convertHop(ctx, claimed.length, sendAsset, INT64_MAX, recvAsset, maxRecv, 'strictReceive');
    if (hop.code) return fail(hop.code);
    claimed = [...hop.claimed, ...claimed];
    maxRecv = hop.sent;
    recvAsset = sendAsset;
  }
  if (maxRecv > sendMax) return fail('op_over_source_max', claimed);
  const srcCode = updateSourceBalance(ctx, p.sendAsset, maxRecv);
  if (srcCode) return fail(srcCode);
  return { code: 'op_success', sent: maxRecv, received: destAmount, claimed };
}

/** stellar-core's PathPaymentStrictSend doApply. */
export function applyStrictSend(
  ctx: OpContext, p: PathPaymentInput, sendAmount: bigint, destMin: bigint,
): PathPaymentOutcome {
  const fail = (code: PathPaymentCode): PathPaymentOutcome => ({ code, sent: 0n, received: 0n, claimed: [] });
  const bypass = shouldBypassIssuerCheck(p);
  if (!bypass && !ctx.state.getAccount(p.destId)) return fail('op_no_destination');
  const srcCode = updateSourceBalance(ctx, p.sendAsset, sendAmount);
  if (srcCode) return fail(srcCode);

  // Walk from the source to the destination: each hop must spend exactly its input.
  const fullPath = [...p.path, p.destAsset];
  const claimed: ClaimedOffer[] = [];
  let sendAsset = p.sendAsset;
  let maxSend = sendAmount;
  for (const recvAsset of fullPath) {
    if (recvAsset === sendAsset) continue;
    const hop = convertHop(ctx, claimed.length, sendAsset, maxSend, recvAsset, INT64_MAX, 'strictSend');
    if (hop.code) return fail(hop.code);
    claimed.push(...hop.claimed);
    maxSend = hop.received;
    sendAsset = recvAsset;
  }
  if (maxSend < destMin) return fail('op_under_dest_min');
  const destCode = updateDestBalance(ctx, p.destId, p.destAsset, maxSend);
  if (destCode) return fail(destCode);
  return { code: 'op_success', sent: sendAmount, received: maxSend, claimed };
}

// ---- XDR and Horizon shapes ------------------------------------------------------------

export function claimAtoms(claimed: readonly ClaimedOffer[]): xdr.ClaimAtom[] {
  return claimed.map((c) => xdr.ClaimAtom.claimAtomTypeOrderBook(new xdr.ClaimOfferAtom({
    sellerId: accountXdr(c.sellerId),
    offerId: int64(c.offerId),
    assetSold: assetXdr(c.assetSold),
    amountSold: int64(c.amountSold),
    assetBought: assetXdr(c.assetBought),
    amountBought: int64(c.amountBought),
  })));
}

export function simplePaymentResult(destId: AccountId, asset: AssetKey, amount: bigint): xdr.SimplePaymentResult {
  return new xdr.SimplePaymentResult({ destination: accountXdr(destId), asset: assetXdr(asset), amount: int64(amount) });
}

/** Horizon's `to` plus `to_muxed`/`to_muxed_id` when the destination is an M… address. */
export function destinationDetails(m: xdr.MuxedAccount, field: string): Record<string, string> {
  if (m.switch().value === xdr.CryptoKeyType.keyTypeEd25519().value) return { [field]: accountIdOfKey(m.ed25519()) };
  const med = m.med25519();
  const raw = Buffer.concat([med.ed25519(), med.id().toXDR()]);
  return {
    [field]: accountIdOfKey(med.ed25519()),
    [`${field}_muxed`]: StrKey.encodeMed25519PublicKey(raw),
    [`${field}_muxed_id`]: med.id().toString(),
  };
}

export function pathDetails(path: readonly AssetKey[]): Array<Record<string, string>> {
  return path.map((a) => assetDetails(a));
}

/** account_credited / account_debited effects as Horizon emits them for payments. */
export function paymentEffects(
  ctx: OpContext, destId: AccountId, destAsset: AssetKey, received: bigint, sendAsset: AssetKey, sent: bigint,
): void {
  ctx.effect({
    type: 'account_credited', typeI: 2, account: destId,
    details: { amount: amountString(received), ...assetDetails(destAsset) },
  });
  ctx.effect({
    type: 'account_debited', typeI: 3, account: ctx.sourceId,
    details: { amount: amountString(sent), ...assetDetails(sendAsset) },
  });
}
