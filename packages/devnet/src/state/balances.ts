/**
 * Balances, limits and liabilities of one holding (native on an account, a credit
 * asset on a trustline, or an issuer's own asset), as stellar-core's TransactionUtils
 * and TrustLineWrapper define them for protocol ≥ 10. Every op that moves value goes
 * through here, so reserve and liability rules live in one place.
 */
import {
  AUTHORIZED_FLAG, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG, AccountEntry, AccountId, AssetKey,
  INT64_MAX, NATIVE, TrustLineEntry, assetIssuer,
} from './entries';
import { LedgerState } from './ledger-state';

export function minBalance(acc: AccountEntry, baseReserve: bigint): bigint {
  return BigInt(2 + acc.numSubEntries + acc.numSponsoring - acc.numSponsored) * baseReserve;
}

/** Native balance an account can spend: balance − reserve − selling liabilities. */
export function availableNative(acc: AccountEntry, baseReserve: bigint): bigint {
  return acc.balance - minBalance(acc, baseReserve) - acc.sellingLiabilities;
}

/** stellar::addBalance: balance + delta within [0, max]. */
function addWithin(balance: bigint, delta: bigint, max: bigint): bigint | null {
  const next = balance + delta;
  return next < 0n || next > max ? null : next;
}

export function isAuthorized(tl: TrustLineEntry): boolean {
  return (tl.flags & AUTHORIZED_FLAG) !== 0;
}

export function isAuthorizedToMaintainLiabilities(tl: TrustLineEntry): boolean {
  return (tl.flags & (AUTHORIZED_FLAG | AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG)) !== 0;
}

/**
 * One holding of one asset by one account. `kind` tells which ledger entry backs it:
 * the account itself (native), a trustline, or nothing (the issuer, whose own asset
 * is unlimited). `null` from `holding()` means a credit asset with no trustline.
 */
export type Holding =
  | { kind: 'native'; account: AccountEntry }
  | { kind: 'trustline'; line: TrustLineEntry }
  | { kind: 'issuer'; accountId: AccountId; asset: AssetKey };

export function holding(state: LedgerState, accountId: AccountId, asset: AssetKey): Holding | null {
  if (asset === NATIVE) {
    const account = state.getAccount(accountId);
    return account ? { kind: 'native', account } : null;
  }
  if (assetIssuer(asset) === accountId) return { kind: 'issuer', accountId, asset };
  const line = state.getTrustLine(accountId, asset);
  return line ? { kind: 'trustline', line } : null;
}

export function balanceOf(h: Holding): bigint {
  return h.kind === 'native' ? h.account.balance : h.kind === 'trustline' ? h.line.balance : INT64_MAX;
}

export function holdingAuthorized(h: Holding): boolean {
  return h.kind !== 'trustline' || isAuthorized(h.line);
}

export function holdingAuthorizedToMaintainLiabilities(h: Holding): boolean {
  return h.kind !== 'trustline' || isAuthorizedToMaintainLiabilities(h.line);
}

export function buyingLiabilities(h: Holding): bigint {
  return h.kind === 'native' ? h.account.buyingLiabilities : h.kind === 'trustline' ? h.line.buyingLiabilities : 0n;
}

export function sellingLiabilities(h: Holding): bigint {
  return h.kind === 'native' ? h.account.sellingLiabilities : h.kind === 'trustline' ? h.line.sellingLiabilities : 0n;
}

/** What the holder can send now (getAvailableBalance). */
export function availableBalance(h: Holding, baseReserve: bigint): bigint {
  switch (h.kind) {
    case 'native': return availableNative(h.account, baseReserve);
    case 'trustline': return isAuthorizedToMaintainLiabilities(h.line) ? h.line.balance - h.line.sellingLiabilities : 0n;
    case 'issuer': return INT64_MAX;
  }
}

/** What the holder can still receive (getMaxAmountReceive). */
export function maxReceive(h: Holding): bigint {
  switch (h.kind) {
    case 'native': return INT64_MAX - h.account.balance - h.account.buyingLiabilities;
    case 'trustline':
      return isAuthorizedToMaintainLiabilities(h.line) ? h.line.limit - h.line.balance - h.line.buyingLiabilities : 0n;
    case 'issuer': return INT64_MAX;
  }
}

/**
 * Add `delta` (may be negative) to a holding, respecting reserve and liabilities.
 * Writes the new entry and returns true, or writes nothing and returns false.
 */
export function addBalance(state: LedgerState, h: Holding, delta: bigint, baseReserve: bigint): boolean {
  if (delta === 0n) return true;
  switch (h.kind) {
    case 'issuer': return true;
    case 'native': {
      const acc = h.account;
      const next = addWithin(acc.balance, delta, INT64_MAX);
      if (next === null) return false;
      if (delta < 0n && next - minBalance(acc, baseReserve) < acc.sellingLiabilities) return false;
      if (next > INT64_MAX - acc.buyingLiabilities) return false;
      h.account = state.putAccount({ ...acc, balance: next });
      return true;
    }
    case 'trustline': {
      const tl = h.line;
      if (!isAuthorizedToMaintainLiabilities(tl)) return false;
      const next = addWithin(tl.balance, delta, tl.limit);
      if (next === null) return false;
      if (delta < 0n && next < tl.sellingLiabilities) return false;
      if (next > tl.limit - tl.buyingLiabilities) return false;
      h.line = state.putTrustLine({ ...tl, balance: next });
      return true;
    }
  }
}

export function addBuyingLiabilities(state: LedgerState, h: Holding, delta: bigint): boolean {
  if (delta === 0n) return true;
  switch (h.kind) {
    case 'issuer': return true;
    case 'native': {
      const acc = h.account;
      const next = addWithin(acc.buyingLiabilities, delta, INT64_MAX - acc.balance);
      if (next === null) return false;
      h.account = state.putAccount({ ...acc, buyingLiabilities: next });
      return true;
    }
    case 'trustline': {
      const tl = h.line;
      if (!isAuthorizedToMaintainLiabilities(tl)) return false;
      const next = addWithin(tl.buyingLiabilities, delta, tl.limit - tl.balance);
      if (next === null) return false;
      h.line = state.putTrustLine({ ...tl, buyingLiabilities: next });
      return true;
    }
  }
}

export function addSellingLiabilities(
  state: LedgerState, h: Holding, delta: bigint, baseReserve: bigint,
): boolean {
  if (delta === 0n) return true;
  switch (h.kind) {
    case 'issuer': return true;
    case 'native': {
      const acc = h.account;
      const max = acc.balance - minBalance(acc, baseReserve);
      if (max < 0n) return false;
      const next = addWithin(acc.sellingLiabilities, delta, max);
      if (next === null) return false;
      h.account = state.putAccount({ ...acc, sellingLiabilities: next });
      return true;
    }
    case 'trustline': {
      const tl = h.line;
      if (!isAuthorizedToMaintainLiabilities(tl)) return false;
      const next = addWithin(tl.sellingLiabilities, delta, tl.balance);
      if (next === null) return false;
      h.line = state.putTrustLine({ ...tl, sellingLiabilities: next });
      return true;
    }
  }
}
