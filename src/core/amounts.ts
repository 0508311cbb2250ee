/**
 * The one module that converts amounts. On the ledger an amount is an int64 count of
 * stroops (10^-7 units), written as a string with up to 7 decimals; protocols use
 * integers scaled by 10^scale; rates are fractions n/d (the value of one local unit in
 * HOUR). Everything here is bigint arithmetic with an explicit rounding direction:
 * no JS floats anywhere, so a conversion is exact or rounded on purpose.
 */
import { isOneOf } from './errors';

export const DECIMALS = 7;
export const STROOPS_PER_UNIT = 10n ** BigInt(DECIMALS);
export const INT64_MAX = 0x7fffffffffffffffn;
const INT32_MAX = 0x7fffffff;

export type Rounding = 'down' | 'up';

export enum AmountError {
  NotANumber = 'not_a_number',
  TooManyDecimals = 'too_many_decimals',
  Negative = 'negative',
  Zero = 'zero',
  Overflow = 'overflow',
}

export const amountErrorMessage: Record<AmountError, string> = {
  [AmountError.NotANumber]: 'must be a decimal number such as "12.5"',
  [AmountError.TooManyDecimals]: 'has more than 7 decimals',
  [AmountError.Negative]: 'must not be negative',
  [AmountError.Zero]: 'must be greater than zero',
  [AmountError.Overflow]: 'is larger than the ledger can hold (922337203685.4775807)',
};

export const isAmountError = isOneOf(AmountError);

/** Parse "12.5" into 125000000n stroops. `allowZero` for limits and balances. */
export function parseAmount(text: string, opts: { allowZero?: boolean } = {}): bigint | AmountError {
  if (typeof text !== 'string') return AmountError.NotANumber;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return AmountError.NotANumber;
  const [, sign, whole, frac = ''] = m;
  if (frac.length > DECIMALS) return AmountError.TooManyDecimals;
  const stroops = BigInt(whole) * STROOPS_PER_UNIT + BigInt(frac.padEnd(DECIMALS, '0'));
  if (sign === '-' && stroops !== 0n) return AmountError.Negative;
  if (stroops > INT64_MAX) return AmountError.Overflow;
  if (stroops === 0n && !opts.allowZero) return AmountError.Zero;
  return stroops;
}

/** 125000000n → "12.5000000" (Horizon's form: always 7 decimals). */
export function formatAmount(stroops: bigint): string {
  const neg = stroops < 0n;
  const abs = neg ? -stroops : stroops;
  const whole = abs / STROOPS_PER_UNIT;
  const frac = (abs % STROOPS_PER_UNIT).toString().padStart(DECIMALS, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}

/** An integer scaled by 10^scale (Komunitin, CXP base units) → stroops, exactly or refused. */
export function fromScaled(value: bigint, scale: number): bigint | AmountError {
  if (scale < 0 || scale > DECIMALS) throw new RangeError(`scale ${scale} outside 0..${DECIMALS}`);
  if (value < 0n) return AmountError.Negative;
  const stroops = value * 10n ** BigInt(DECIMALS - scale);
  return stroops > INT64_MAX ? AmountError.Overflow : stroops;
}

/** Stroops → integer scaled by 10^scale, rounding as asked. */
export function toScaled(stroops: bigint, scale: number, rounding: Rounding): bigint {
  return divide(stroops, 10n ** BigInt(DECIMALS - scale), rounding);
}

export interface Rate {
  /** Value of one local unit in HOUR = n / d; both positive int32 (a ledger price). */
  readonly n: number;
  readonly d: number;
}

export function isValidRate(r: Rate): boolean {
  return Number.isInteger(r.n) && Number.isInteger(r.d) && r.n > 0 && r.d > 0 && r.n <= INT32_MAX && r.d <= INT32_MAX;
}

function divide(num: bigint, den: bigint, rounding: Rounding): bigint {
  const q = num / den;
  return rounding === 'up' && q * den !== num ? q + 1n : q;
}

/** Local units → HOUR (amount · n / d). */
export function toHour(local: bigint, rate: Rate, rounding: Rounding): bigint {
  return divide(local * BigInt(rate.n), BigInt(rate.d), rounding);
}

/** HOUR → local units (amount · d / n). */
export function fromHour(hour: bigint, rate: Rate, rounding: Rounding): bigint {
  return divide(hour * BigInt(rate.d), BigInt(rate.n), rounding);
}

/** Units of one community → units of another, through HOUR, rounding once at the end. */
export function convert(amount: bigint, from: Rate, to: Rate, rounding: Rounding): bigint {
  return divide(amount * BigInt(from.n) * BigInt(to.d), BigInt(from.d) * BigInt(to.n), rounding);
}

/** Local stroops → HOUR stroops at a community's rate, either sign, rounding toward zero. */
export function localToHour(local: bigint, c: { rateN: number; rateD: number }): bigint {
  const rate = { n: c.rateN, d: c.rateD };
  return local < 0n ? -toHour(-local, rate, 'down') : toHour(local, rate, 'down');
}

/** HOUR stroops → local stroops at a community's rate, either sign, rounding toward zero (a payee never gets more than was sent). */
export function hourToLocal(hour: bigint, c: { rateN: number; rateD: number }): bigint {
  const rate = { n: c.rateN, d: c.rateD };
  return hour < 0n ? -fromHour(-hour, rate, 'down') : fromHour(hour, rate, 'down');
}
