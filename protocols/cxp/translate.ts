/**
 * CXP's words ⇄ the core's. CXP quantities are base units (the circle's unit, HOUR)
 * carried as JSON numbers; the core counts bigint stroops in each community's own
 * units. An amount is read from the text it was sent as — a JSON number's own digits
 * (json.ts), a form's or query's string — never from a float, and answers write amounts
 * as exact decimal text. Every conversion goes through src/core/amounts.
 */
import { AmountError, Community, formatAmount, fromHour, hourToLocal, isAmountError, isValidRate, localToHour, parseAmount, Rate } from '../../src/core';
import { invalidField } from './errors';

/** JSON's number grammar, and what forms write besides: a leading +, ".5", "5.". */
const NUMBER_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Number text as plain decimal text of the same value, for the core's parseAmount:
 * "1.5E+2" → "150", "1e-7" → "0.0000001", "12.50" → "12.5". Past 20 integer digits or
 * 8 decimals the digits are not written out (1e-999999999 stays small): what is
 * written keeps parseAmount's verdict, too large or too many decimals.
 */
export function decimalOfNumberText(text: string): { negative: boolean; decimal: string } | null {
  const m = NUMBER_TEXT.exec(text.trim());
  if (!m || `${m[2]}${m[3] ?? ''}` === '') return null;
  const [, sign, whole, frac = '', exp = '0'] = m;
  const all = whole + frac;
  const first = all.search(/[1-9]/);
  if (first < 0) return { negative: false, decimal: '0' };
  const digits = all.slice(first).replace(/0+$/, '');
  // The value is 0.<digits> × 10^point.
  const point = BigInt(whole.length) + BigInt(exp) - BigInt(first);
  let decimal: string;
  if (point > 20n) decimal = '9'.repeat(21);
  else if (point < -8n) decimal = '0.000000001';
  else {
    const p = Number(point);
    decimal = p <= 0 ? `0.${'0'.repeat(-p)}${digits}` : digits.length <= p ? digits.padEnd(p, '0') : `${digits.slice(0, p)}.${digits.slice(p)}`;
  }
  return { negative: sign === '-', decimal };
}

/** Number text as exact stroops (negative allowed for balances), or why not. */
export function stroopsOf(text: string): bigint | AmountError {
  const d = decimalOfNumberText(text);
  if (!d) return AmountError.NotANumber;
  const r = parseAmount(d.decimal, { allowZero: true });
  if (isAmountError(r)) return r;
  return d.negative ? -r : r;
}

const TOO = { [AmountError.TooManyDecimals]: 'at most 7 decimals', [AmountError.Overflow]: 'larger than the ledger can hold' } as Record<AmountError, string>;

/**
 * The amounts of one message, read exactly from the text each was sent as, before its
 * schema sees them as floats (a float has lost what was written, or turned 1e-400 into
 * 0): more than 7 decimals, or beyond the ledger, is code 8 naming the field. Text that
 * is no number is left to the schema (15). The getter, called once the schema accepted
 * the message, answers the exact amount (code 8 for a number the schema read that is
 * not decimal, such as a form's "0x10").
 */
export function readAmounts<K extends string>(fields: readonly K[], textOf: (field: K) => unknown): (field: K) => bigint {
  const exact = new Map<K, bigint>();
  for (const f of fields) {
    const text = textOf(f);
    if (typeof text !== 'string') continue;
    const r = stroopsOf(text);
    if (r === AmountError.NotANumber) continue;
    if (isAmountError(r)) throw invalidField(f, `${text.trim()} (${TOO[r] ?? r})`);
    exact.set(f, r);
  }
  return (f) => {
    const v = exact.get(f);
    if (v === undefined) throw invalidField(f, `${String(textOf(f))} (not a decimal number)`);
    return v;
  };
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
export function ticksToRate(ticks: string): Rate | null {
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
