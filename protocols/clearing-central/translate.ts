/**
 * Clearing Central's numbers ⇄ the core's. An amount arrives as decimal text in the
 * payer's units ("20", "0.0100", "123.45") and is read exactly, never as a float; a
 * conversion rate is units per hour, so a CES exchange's rate (value of one unit in
 * HOUR) is the exact fraction 1/conv_rate.
 */
import { Rate, formatAmount, isAmountError, isValidRate, parseAmount } from '../../src/core';

/** Positive, at most 7 decimals, within the ledger: stroops, or null (code 5). `zero` for a reversal. */
export function readAmount(text: string | undefined, opts: { zero?: boolean } = {}): bigint | null {
  if (text === undefined || !/^\d{1,15}(\.\d{1,7})?$/.test(text)) return null;
  const v = parseAmount(text, { allowZero: opts.zero });
  return isAmountError(v) ? null : v;
}

/** "60" → 1/60, "2.5" → 2/5; null when it is no ledger rate (zero, too fine, too large). */
export function convRateToRate(convRate: string): Rate | null {
  const m = /^(\d{1,10})(?:\.(\d{1,7}))?$/.exec(convRate);
  if (!m) return null;
  const frac = m[2] ?? '';
  const scale = 10n ** BigInt(frac.length);
  const units = BigInt(m[1]) * scale + BigInt(frac === '' ? '0' : frac);
  if (units === 0n) return null;
  const g = gcd(scale, units);
  const n = scale / g;
  const d = units / g;
  if (n > 2147483647n || d > 2147483647n) return null;
  const r = { n: Number(n), d: Number(d) };
  return isValidRate(r) ? r : null;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Stroops as Clearing Central writes amounts: "12.5", "20" (no trailing zeros). */
export function amountText(stroops: bigint): string {
  return formatAmount(stroops).replace(/\.?0+$/, '');
}
