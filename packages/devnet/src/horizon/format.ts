/**
 * Horizon's textual forms: amounts as 7-decimal strings, assets as type/code/issuer
 * triples, prices as n/d and as 7-decimal strings. All exact (bigint), never floats.
 */
import { AssetKey, NATIVE, parseAssetKey } from '../state/entries';

const ONE = 10_000_000n;

/** Stroops → "12.3456789". */
export function amount(stroops: bigint): string {
  const neg = stroops < 0n;
  const abs = neg ? -stroops : stroops;
  return `${neg ? '-' : ''}${abs / ONE}.${(abs % ONE).toString().padStart(7, '0')}`;
}

/** n/d rounded to 7 decimals, halves away from zero (Go's big.Rat.FloatString(7)). */
export function priceString(n: number | bigint, d: number | bigint): string {
  const N = BigInt(n);
  const D = BigInt(d);
  const scaled = (N * ONE * 2n + D) / (2n * D);
  return amount(scaled);
}

export function assetType(key: AssetKey): 'native' | 'credit_alphanum4' | 'credit_alphanum12' {
  if (key === NATIVE) return 'native';
  return parseAssetKey(key)!.code.length <= 4 ? 'credit_alphanum4' : 'credit_alphanum12';
}

/** { asset_type, asset_code, asset_issuer } with an optional prefix ('selling_', 'base_', …). */
export function assetFields(key: AssetKey, prefix = ''): Record<string, string> {
  const p = parseAssetKey(key);
  if (!p) return { [`${prefix}asset_type`]: 'native' };
  return {
    [`${prefix}asset_type`]: assetType(key),
    [`${prefix}asset_code`]: p.code,
    [`${prefix}asset_issuer`]: p.issuer,
  };
}

export function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}
