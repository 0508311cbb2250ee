/**
 * Ledger entries of the embedded network, as plain immutable records.
 *
 * Mirrors Stellar-ledger-entries.x closely enough that ops read like stellar-core's
 * op frames, but with bigint stroops and string keys instead of XDR objects: the
 * engine applies tens of thousands of operations per second and XDR objects are
 * too costly to clone. Entries are never mutated in place: callers build a new
 * object and hand it to LedgerState.put*, which keeps the previous one for rollback.
 */

export type AccountId = string; // G… strkey
/** 'native' or 'CODE:ISSUER' (code as written on the ledger, 1–12 chars). */
export type AssetKey = string;

export const NATIVE: AssetKey = 'native';
export const INT64_MAX = 0x7fffffffffffffffn;
export const MAX_SUBENTRIES = 1000;
export const MAX_SIGNERS = 20;

export interface Price {
  readonly n: number;
  readonly d: number;
}

export interface Signer {
  /** strkey of the signer key: G… (ed25519), T… (pre-auth tx), X… (sha256 hash). */
  readonly key: string;
  readonly weight: number;
  /** Account paying this signer's reserve, or null. */
  readonly sponsor: AccountId | null;
}

// Account flags (AccountFlags in the XDR).
export const AUTH_REQUIRED_FLAG = 1;
export const AUTH_REVOCABLE_FLAG = 2;
export const AUTH_IMMUTABLE_FLAG = 4;
export const AUTH_CLAWBACK_ENABLED_FLAG = 8;

// Trustline flags (TrustLineFlags in the XDR).
export const AUTHORIZED_FLAG = 1;
export const AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG = 2;
export const TRUSTLINE_CLAWBACK_ENABLED_FLAG = 4;

// Offer flags.
export const PASSIVE_FLAG = 1;

export interface AccountEntry {
  readonly accountId: AccountId;
  readonly balance: bigint;
  readonly seqNum: bigint;
  /** Ledger and close time of the last sequence bump (AccountEntryExtensionV3). */
  readonly seqLedger: number;
  readonly seqTime: bigint;
  readonly numSubEntries: number;
  readonly inflationDest: AccountId | null;
  readonly flags: number;
  readonly homeDomain: string;
  /** [master weight, low, medium, high], as the XDR's 4-byte thresholds. */
  readonly thresholds: readonly [number, number, number, number];
  readonly signers: readonly Signer[];
  readonly buyingLiabilities: bigint;
  readonly sellingLiabilities: bigint;
  readonly numSponsored: number;
  readonly numSponsoring: number;
  /** Account that sponsored this account's base reserve, or null. */
  readonly sponsor: AccountId | null;
  readonly lastModified: number;
}

export interface TrustLineEntry {
  readonly accountId: AccountId;
  readonly asset: AssetKey;
  readonly balance: bigint;
  readonly limit: bigint;
  readonly flags: number;
  readonly buyingLiabilities: bigint;
  readonly sellingLiabilities: bigint;
  readonly sponsor: AccountId | null;
  readonly lastModified: number;
}

export interface OfferEntry {
  readonly sellerId: AccountId;
  readonly offerId: bigint;
  readonly selling: AssetKey;
  readonly buying: AssetKey;
  /** Amount of `selling` offered, in stroops. */
  readonly amount: bigint;
  /** Units of `buying` per unit of `selling`. */
  readonly price: Price;
  readonly flags: number;
  readonly sponsor: AccountId | null;
  readonly lastModified: number;
}

export interface DataEntry {
  readonly accountId: AccountId;
  readonly name: string;
  readonly value: Buffer;
  readonly sponsor: AccountId | null;
  readonly lastModified: number;
}

export function assetKey(code: string | null, issuer?: string | null): AssetKey {
  return code === null || code === 'XLM' && !issuer ? NATIVE : `${code}:${issuer}`;
}

export function parseAssetKey(key: AssetKey): { code: string; issuer: AccountId } | null {
  if (key === NATIVE) return null;
  const i = key.indexOf(':');
  return { code: key.slice(0, i), issuer: key.slice(i + 1) };
}

export function assetIssuer(key: AssetKey): AccountId | null {
  return key === NATIVE ? null : key.slice(key.indexOf(':') + 1);
}

/** Compare two prices as exact fractions (n·d products overflow doubles). */
export function comparePrice(a: Price, b: Price): number {
  const l = BigInt(a.n) * BigInt(b.d);
  const r = BigInt(b.n) * BigInt(a.d);
  return l < r ? -1 : l > r ? 1 : 0;
}
