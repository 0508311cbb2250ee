/**
 * CXP's words ⇄ the core's. CXP quantities are base units (the circle's unit, HOUR)
 * carried as JSON numbers; the core counts bigint stroops in each community's own
 * units. A JSON number is read back from its shortest decimal text (what the sender
 * wrote for any value with ≤ 7 decimals) and never computed with as a float; answers
 * write amounts as exact decimal text. Every conversion goes through src/core/amounts.
 */
import { AmountError, Community, formatAmount, fromHour, hourToLocal, isAmountError, isValidRate, localToHour, parseAmount, Rate } from '../../src/core';

/** A JSON number or numeric string as stroops (negative allowed for balances), or why not. */
export function stroopsOf(value: number | string): bigint | AmountError {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const negative = text.startsWith('-');
  const r = parseAmount(negative ? text.slice(1) : text, { allowZero: true });
  if (isAmountError(r)) return r;
  return negative ? -r : r;
}

export const rateOf = (c: Pick<Community, 'rateN' | 'rateD'>): Rate => ({ n: c.rateN, d: c.rateD });

/** Conversions between an exchange's units and HOUR are the core's (src/core/amounts). */
export { hourToLocal, localToHour };

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/**
 * Ticks are how many units of the exchange's currency make one HOUR ("if 1 tick is 1
 * minute and your currency is hours, enter 60"): one local unit is worth 1/ticks HOUR,
 * so ticks 60 → rate 1/60, ticks 0.5 → rate 2/1. Null if it cannot be a ledger rate
 * (more than 7 decimals, zero, or beyond 32-bit numerator and denominator).
 */
export function ticksToRate(ticks: number | string): Rate | null {
  const t = stroopsOf(ticks);
  if (isAmountError(t) || t <= 0n) return null;
  // ticks = t / 10^7 local units per HOUR → one unit = 10^7 / t HOUR.
  let n = 10n ** 7n;
  let d = t;
  const g = gcd(n, d);
  n /= g;
  d /= g;
  const rate = { n: Number(n), d: Number(d) };
  return n <= 0x7fffffffn && d <= 0x7fffffffn && isValidRate(rate) ? rate : null;
}

/** The ticks a rate stands for, as decimal text ("60", "0.5"). */
export function rateToTicks(rate: Rate): string {
  return decimalText(fromHour(10n ** 7n, rate, 'down'));
}

/** Stroops as the shortest exact decimal text: 125000000n → "12.5". */
export function decimalText(stroops: bigint): string {
  const s = formatAmount(stroops);
  return s.replace(/\.?0+$/, '');
}

/** An amount to be written as a bare JSON number with exactly these digits. */
export class Decimal {
  constructor(readonly stroops: bigint) {}
  toJSON(): string {
    return `\u0000${decimalText(this.stroops)}\u0000`;
  }
}

/** JSON text with every Decimal as a bare number (exact), everything else as usual. */
export function toJson(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000(-?\d+(?:\.\d+)?)\\u0000"/g, '$1');
}
