/**
 * Conversions between the XDR the SDK sends, the devnet's asset keys, and the
 * strings Horizon prints, for the payment and order-book operations. Kept apart
 * from the ops so each op module reads like its stellar-core frame.
 *
 * Hot path: every payment converts its asset and destination, so issuer strkeys
 * and asset XDR objects are cached (StrKey encoding costs more than the payment).
 */
import { Asset, StrKey, xdr } from '@stellar/stellar-sdk';
import { AccountId, AssetKey, NATIVE, parseAssetKey } from '../state/entries';

const strkeyCache = new Map<string, string>();

/** G… address of a raw ed25519 key, cached by its bytes. */
export function accountIdOfKey(raw: Buffer): AccountId {
  const k = raw.toString('latin1');
  let s = strkeyCache.get(k);
  if (s === undefined) {
    s = StrKey.encodeEd25519PublicKey(raw);
    if (strkeyCache.size > 100_000) strkeyCache.clear();
    strkeyCache.set(k, s);
  }
  return s;
}

/** G… address of a (possibly muxed) account; Horizon's `to` for a muxed M… is its G…. */
export function accountIdOfMuxed(m: xdr.MuxedAccount): AccountId {
  return m.switch().value === xdr.CryptoKeyType.keyTypeEd25519().value
    ? accountIdOfKey(m.ed25519())
    : accountIdOfKey(m.med25519().ed25519());
}

/**
 * Asset codes arrive as Buffers from decoded XDR but as zero-padded strings from
 * objects the SDK built itself (Operation.payment(...) before serialisation).
 */
function codeBytes(raw: Buffer | string): Buffer {
  return typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;
}

function codeOf(raw: Buffer | string): string {
  const b = codeBytes(raw);
  const end = b.indexOf(0);
  return b.toString('latin1', 0, end < 0 ? b.length : end);
}

export function assetKeyOf(a: xdr.Asset): AssetKey {
  switch (a.switch().value) {
    case xdr.AssetType.assetTypeNative().value: return NATIVE;
    case xdr.AssetType.assetTypeCreditAlphanum4().value: {
      const v = a.alphaNum4();
      return `${codeOf(v.assetCode())}:${accountIdOfKey(v.issuer().ed25519())}`;
    }
    default: {
      const v = a.alphaNum12();
      return `${codeOf(v.assetCode())}:${accountIdOfKey(v.issuer().ed25519())}`;
    }
  }
}

/** A code is valid when it is ASCII alphanumeric, padded only with trailing zeros. */
function validCode(raw: Buffer | string, minChars: number): boolean {
  let chars = 0;
  let padding = false;
  for (const b of codeBytes(raw)) {
    if (b === 0) { padding = true; continue; }
    if (padding) return false;
    const alnum = (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122);
    if (!alnum) return false;
    chars++;
  }
  return chars >= minChars;
}

/** stellar-core's isAssetValid (alphanum12 codes need at least 5 characters). */
export function isAssetValid(a: xdr.Asset): boolean {
  switch (a.switch().value) {
    case xdr.AssetType.assetTypeNative().value: return true;
    case xdr.AssetType.assetTypeCreditAlphanum4().value: return validCode(a.alphaNum4().assetCode(), 1);
    case xdr.AssetType.assetTypeCreditAlphanum12().value: return validCode(a.alphaNum12().assetCode(), 5);
    default: return false;
  }
}

const assetXdrCache = new Map<AssetKey, xdr.Asset>();

export function assetXdr(key: AssetKey): xdr.Asset {
  let a = assetXdrCache.get(key);
  if (!a) {
    const p = parseAssetKey(key);
    a = (p ? new Asset(p.code, p.issuer) : Asset.native()).toXDRObject();
    if (assetXdrCache.size > 10_000) assetXdrCache.clear();
    assetXdrCache.set(key, a);
  }
  return a;
}

/** Horizon's asset fields (asset_type, asset_code, asset_issuer) under a prefix. */
export function assetDetails(key: AssetKey, prefix = ''): Record<string, string> {
  const p = parseAssetKey(key);
  if (!p) return { [`${prefix}asset_type`]: 'native' };
  return {
    [`${prefix}asset_type`]: p.code.length <= 4 ? 'credit_alphanum4' : 'credit_alphanum12',
    [`${prefix}asset_code`]: p.code,
    [`${prefix}asset_issuer`]: p.issuer,
  };
}

/** Horizon's amount string: stroops with exactly 7 decimals. */
export function amountString(stroops: bigint): string {
  const neg = stroops < 0n;
  const s = (neg ? -stroops : stroops).toString().padStart(8, '0');
  return `${neg ? '-' : ''}${s.slice(0, -7)}.${s.slice(-7)}`;
}

/** Horizon's price string: n/d to 7 decimals, halves away from zero (big.Rat FloatString). */
export function priceString(n: number, d: number): string {
  const scaled = (2n * BigInt(n) * 10_000_000n + BigInt(d)) / (2n * BigInt(d));
  return amountString(scaled);
}

export function int64(v: bigint): xdr.Int64 {
  return xdr.Int64.fromString(v.toString());
}

const accountXdrCache = new Map<AccountId, xdr.AccountId>();

/** xdr.AccountId of a G… address, cached (results name sellers and destinations). */
export function accountXdr(id: AccountId): xdr.AccountId {
  let a = accountXdrCache.get(id);
  if (!a) {
    a = xdr.PublicKey.publicKeyTypeEd25519(StrKey.decodeEd25519PublicKey(id));
    if (accountXdrCache.size > 100_000) accountXdrCache.clear();
    accountXdrCache.set(id, a);
  }
  return a;
}
