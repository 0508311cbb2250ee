/**
 * Horizon resource JSON (stellar/go protocols/horizon) built from ledger entries and
 * history records. Links are absolute, from the request's own host, as Horizon's are.
 */
import {
  EffectRecord, LedgerRecord, OperationRecord, TradeRecord, TransactionRecord,
} from '../history/records';
import { HistoryStore } from '../history/store';
import {
  AUTH_CLAWBACK_ENABLED_FLAG, AUTH_IMMUTABLE_FLAG, AUTH_REQUIRED_FLAG, AUTH_REVOCABLE_FLAG,
  AUTHORIZED_FLAG, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG, AccountEntry, AssetKey, NATIVE, OfferEntry,
  TRUSTLINE_CLAWBACK_ENABLED_FLAG,
} from '../state/entries';
import { LedgerState } from '../state/ledger-state';
import { amount, assetFields, gcd, priceString } from './format';

type Json = Record<string, unknown>;
const link = (href: string, templated?: boolean): Json => (templated ? { href, templated: true } : { href });
const PAGE = '{?cursor,limit,order}';

export function ledgerJson(l: LedgerRecord, base: string): Json {
  const self = `${base}/ledgers/${l.sequence}`;
  return {
    _links: {
      self: link(self),
      transactions: link(`${self}/transactions${PAGE}`, true),
      operations: link(`${self}/operations${PAGE}`, true),
      payments: link(`${self}/payments${PAGE}`, true),
      effects: link(`${self}/effects${PAGE}`, true),
    },
    id: l.hash,
    paging_token: ledgerPagingToken(l.sequence),
    hash: l.hash,
    prev_hash: l.prevHash || undefined,
    sequence: l.sequence,
    successful_transaction_count: l.successfulTransactionCount,
    failed_transaction_count: l.failedTransactionCount,
    operation_count: l.operationCount,
    tx_set_operation_count: l.txSetOperationCount,
    closed_at: l.closedAt,
    total_coins: amount(l.totalCoins),
    fee_pool: amount(l.feePool),
    base_fee_in_stroops: l.baseFee,
    base_reserve_in_stroops: Number(l.baseReserve),
    max_tx_set_size: l.maxTxSetSize,
    protocol_version: l.protocolVersion,
    header_xdr: l.headerXdr,
  };
}

export const ledgerPagingToken = (seq: number): string => (BigInt(seq) << 32n).toString();

const unix = (iso: string): string => String(Math.floor(Date.parse(iso) / 1000));

export function transactionJson(t: TransactionRecord, base: string): Json {
  const self = `${base}/transactions/${t.hash}`;
  const out: Json = {
    _links: {
      self: link(self),
      account: link(`${base}/accounts/${t.sourceAccount}`),
      ledger: link(`${base}/ledgers/${t.ledger}`),
      operations: link(`${self}/operations${PAGE}`, true),
      effects: link(`${self}/effects${PAGE}`, true),
      precedes: link(`${base}/transactions?order=asc&cursor=${t.pagingToken}`),
      succeeds: link(`${base}/transactions?order=desc&cursor=${t.pagingToken}`),
      transaction: link(self),
    },
    id: t.hash,
    paging_token: t.pagingToken,
    successful: t.successful,
    hash: t.hash,
    ledger: t.ledger,
    created_at: t.createdAt,
    source_account: t.sourceAccount,
    source_account_sequence: t.sourceAccountSequence,
    fee_account: t.feeAccount,
    fee_charged: t.feeCharged.toString(),
    max_fee: t.maxFee.toString(),
    operation_count: t.operationCount,
    envelope_xdr: t.envelopeXdr,
    result_xdr: t.resultXdr,
    result_meta_xdr: t.resultMetaXdr,
    fee_meta_xdr: t.feeMetaXdr,
    memo_type: t.memoType,
    signatures: t.signatures,
  };
  if (t.memoType !== 'none') {
    out.memo = t.memo;
    if (t.memoBytes !== undefined) out.memo_bytes = t.memoBytes;
  }
  if (t.validAfter !== undefined || t.validBefore !== undefined) {
    const timebounds: Json = { min_time: t.validAfter ? unix(t.validAfter) : '0' };
    if (t.validAfter !== undefined) out.valid_after = t.validAfter;
    if (t.validBefore !== undefined) {
      out.valid_before = t.validBefore;
      timebounds.max_time = unix(t.validBefore);
    }
    out.preconditions = { timebounds };
  }
  if (t.feeBump) out.fee_bump_transaction = { hash: t.feeBump.hash, signatures: t.feeBump.signatures };
  if (t.innerTransaction) {
    out.inner_transaction = {
      hash: t.innerTransaction.hash,
      signatures: t.innerTransaction.signatures,
      max_fee: t.innerTransaction.maxFee.toString(),
    };
  }
  return out;
}

export function operationJson(o: OperationRecord, base: string): Json {
  const self = `${base}/operations/${o.id}`;
  return {
    _links: {
      self: link(self),
      transaction: link(`${base}/transactions/${o.transactionHash}`),
      effects: link(`${self}/effects`),
      succeeds: link(`${base}/effects?order=desc&cursor=${o.id}`),
      precedes: link(`${base}/effects?order=asc&cursor=${o.id}`),
    },
    id: o.id,
    paging_token: o.id,
    transaction_successful: o.transactionSuccessful,
    source_account: o.sourceAccount,
    type: o.type,
    type_i: o.typeI,
    created_at: o.createdAt,
    transaction_hash: o.transactionHash,
    ...jsonSafe(o.details),
  };
}

export function effectJson(e: EffectRecord, base: string): Json {
  return {
    _links: {
      operation: link(`${base}/operations/${e.operationId}`),
      succeeds: link(`${base}/effects?order=desc&cursor=${e.pagingToken}`),
      precedes: link(`${base}/effects?order=asc&cursor=${e.pagingToken}`),
    },
    id: e.id,
    paging_token: e.pagingToken,
    account: e.account,
    type: e.type,
    type_i: e.typeI,
    created_at: e.createdAt,
    ...jsonSafe(e.details),
  };
}

/** Horizon orders a trade's two assets; native first, then by code, then issuer. */
function assetOrder(a: AssetKey, b: AssetKey): number {
  if (a === b) return 0;
  if (a === NATIVE) return -1;
  if (b === NATIVE) return 1;
  return a < b ? -1 : 1;
}

/** Horizon's synthetic id for a taker that left no offer on the book: opId | 2^62. */
const syntheticOfferId = (opId: string): bigint => BigInt(opId) | (1n << 62n);

export function tradeJson(t: TradeRecord, base: string): Json {
  // The seller is the offer on the book; base is whichever side's asset sorts first.
  const sellerSide = {
    account: t.sellerId, offerId: t.offerId, asset: t.soldAsset, amount: t.soldAmount,
  };
  const takerSide = {
    account: t.takerId,
    offerId: t.takerOfferId !== 0n ? t.takerOfferId : syntheticOfferId(t.operationId),
    asset: t.boughtAsset,
    amount: t.boughtAmount,
  };
  const baseIsSeller = assetOrder(t.soldAsset, t.boughtAsset) <= 0;
  const [b, c] = baseIsSeller ? [sellerSide, takerSide] : [takerSide, sellerSide];
  const g = gcd(c.amount, b.amount) || 1n;
  return {
    _links: {
      self: link(''),
      base: link(`${base}/accounts/${b.account}`),
      counter: link(`${base}/accounts/${c.account}`),
      operation: link(`${base}/operations/${t.operationId}`),
    },
    id: t.id,
    paging_token: t.id,
    ledger_close_time: t.ledgerCloseTime,
    offer_id: t.offerId.toString(),
    trade_type: 'orderbook',
    base_offer_id: b.offerId.toString(),
    base_account: b.account,
    base_amount: amount(b.amount),
    ...assetFields(b.asset, 'base_'),
    counter_offer_id: c.offerId.toString(),
    counter_account: c.account,
    counter_amount: amount(c.amount),
    ...assetFields(c.asset, 'counter_'),
    base_is_seller: baseIsSeller,
    price: { n: (c.amount / g).toString(), d: (b.amount / g).toString() },
  };
}

function closeTimeOf(history: HistoryStore, seq: number): string | null {
  return history.ledger(seq)?.closedAt ?? null;
}

export function offerJson(o: OfferEntry, base: string, history: HistoryStore): Json {
  const out: Json = {
    _links: {
      self: link(`${base}/offers/${o.offerId}`),
      offer_maker: link(`${base}/accounts/${o.sellerId}`),
    },
    id: o.offerId.toString(),
    paging_token: o.offerId.toString(),
    seller: o.sellerId,
    selling: assetFields(o.selling),
    buying: assetFields(o.buying),
    amount: amount(o.amount),
    price_r: { n: o.price.n, d: o.price.d },
    price: priceString(o.price.n, o.price.d),
    last_modified_ledger: o.lastModified,
    last_modified_time: closeTimeOf(history, o.lastModified),
  };
  if (o.sponsor) out.sponsor = o.sponsor;
  return out;
}

function signerType(key: string): string {
  switch (key[0]) {
    case 'T': return 'preauth_tx';
    case 'X': return 'sha256_hash';
    case 'P': return 'ed25519_signed_payload';
    default: return 'ed25519_public_key';
  }
}

export function accountJson(a: AccountEntry, state: LedgerState, history: HistoryStore, base: string): Json {
  const self = `${base}/accounts/${a.accountId}`;
  const balances: Json[] = state.trustLinesOf(a.accountId).map((tl) => {
    const b: Json = {
      balance: amount(tl.balance),
      limit: amount(tl.limit),
      buying_liabilities: amount(tl.buyingLiabilities),
      selling_liabilities: amount(tl.sellingLiabilities),
      last_modified_ledger: tl.lastModified,
      is_authorized: (tl.flags & AUTHORIZED_FLAG) !== 0,
      is_authorized_to_maintain_liabilities: (tl.flags & AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG) !== 0,
      is_clawback_enabled: (tl.flags & TRUSTLINE_CLAWBACK_ENABLED_FLAG) !== 0,
      ...assetFields(tl.asset),
    };
    if (tl.sponsor) b.sponsor = tl.sponsor;
    return b;
  });
  // Native last, without a limit, as Horizon lists it.
  balances.push({
    balance: amount(a.balance),
    buying_liabilities: amount(a.buyingLiabilities),
    selling_liabilities: amount(a.sellingLiabilities),
    asset_type: 'native',
  });
  const signers: Json[] = a.signers.map((s) => {
    const j: Json = { weight: s.weight, key: s.key, type: signerType(s.key) };
    if (s.sponsor) j.sponsor = s.sponsor;
    return j;
  });
  signers.push({ weight: a.thresholds[0], key: a.accountId, type: 'ed25519_public_key' });
  const data: Record<string, string> = {};
  for (const d of state.dataOf(a.accountId)) data[d.name] = d.value.toString('base64');
  const out: Json = {
    _links: {
      self: link(self),
      transactions: link(`${self}/transactions${PAGE}`, true),
      operations: link(`${self}/operations${PAGE}`, true),
      payments: link(`${self}/payments${PAGE}`, true),
      effects: link(`${self}/effects${PAGE}`, true),
      offers: link(`${self}/offers${PAGE}`, true),
      trades: link(`${self}/trades${PAGE}`, true),
      data: link(`${self}/data/{key}`, true),
    },
    id: a.accountId,
    account_id: a.accountId,
    sequence: a.seqNum.toString(),
    sequence_ledger: a.seqLedger || undefined,
    sequence_time: a.seqTime ? a.seqTime.toString() : undefined,
    subentry_count: a.numSubEntries,
    inflation_destination: a.inflationDest ?? undefined,
    home_domain: a.homeDomain || undefined,
    last_modified_ledger: a.lastModified,
    last_modified_time: closeTimeOf(history, a.lastModified),
    thresholds: { low_threshold: a.thresholds[1], med_threshold: a.thresholds[2], high_threshold: a.thresholds[3] },
    flags: {
      auth_required: (a.flags & AUTH_REQUIRED_FLAG) !== 0,
      auth_revocable: (a.flags & AUTH_REVOCABLE_FLAG) !== 0,
      auth_immutable: (a.flags & AUTH_IMMUTABLE_FLAG) !== 0,
      auth_clawback_enabled: (a.flags & AUTH_CLAWBACK_ENABLED_FLAG) !== 0,
    },
    balances,
    signers,
    data,
    num_sponsoring: a.numSponsoring,
    num_sponsored: a.numSponsored,
    sponsor: a.sponsor ?? undefined,
    paging_token: a.accountId,
  };
  return out;
}

/** Record details may carry bigints (engine-side amounts); JSON needs strings. */
function jsonSafe(details: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(details)) {
    if (typeof v === 'bigint') (copy ??= { ...details })[k] = v.toString();
  }
  return copy ?? details;
}
