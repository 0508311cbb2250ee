/**
 * All price arithmetic of the order book, after stellar-core's OfferExchange
 * (protocol ≥ 10). Nothing else in the devnet rounds an amount: ops and path
 * finding call these functions so that a quoted path settles exactly as quoted.
 *
 * Vocabulary as in stellar-core: the offer on the book sells "wheat" and buys
 * "sheep"; the taker sends sheep and receives wheat. `price` is the book offer's
 * price, sheep per wheat (n/d). Products of an int64 amount and an int32 price
 * term need up to 95 bits, hence bigint throughout.
 */
import { INT64_MAX, Price } from './state/entries';

export type Rounding = 'normal' | 'strictSend' | 'strictReceive';

export interface ExchangeResult {
  readonly wheatReceived: bigint;
  readonly sheepSend: bigint;
  /** True when the book offer is the larger side and stays (possibly reduced). */
  readonly wheatStays: boolean;
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** ceil or floor of a/b for non-negative a, positive b. */
function divide(a: bigint, b: bigint, roundUp: boolean): bigint {
  const q = a / b;
  return roundUp && q * b !== a ? q + 1n : q;
}

/**
 * a·b/c rounded, or null when the result does not fit an int64 (bigDivide's false).
 */
export function bigDivide(a: bigint, b: bigint, c: bigint, roundUp: boolean): bigint | null {
  const r = divide(a * b, c, roundUp);
  return r > INT64_MAX ? null : r;
}

/** bigDivide that must fit: an overflow here is a bug in the caller, as in stellar-core. */
function bigDivideOrThrow(a: bigint, b: bigint, c: bigint, roundUp: boolean): bigint {
  const r = bigDivide(a, b, c, roundUp);
  if (r === null) throw new Error('exchange: division overflowed int64');
  return r;
}

function divideOrThrow(v: bigint, d: bigint): bigint {
  const r = v / d;
  if (r > INT64_MAX) throw new Error('exchange: division overflowed int64');
  return r;
}

/**
 * Is the effective price sheepSend/wheatReceive within 1% of `price`? With
 * canFavorWheat, any error in the book offer's favour passes (path payments
 * bound the overall price with sendMax/destMin instead).
 */
export function checkPriceErrorBound(
  price: Price, wheatReceive: bigint, sheepSend: bigint, canFavorWheat: boolean,
): boolean {
  const n = BigInt(price.n);
  const d = BigInt(price.d);
  const lhs = 100n * n * wheatReceive;
  const rhs = 100n * d * sheepSend;
  if (canFavorWheat && rhs > lhs) return true;
  const absDiff = lhs > rhs ? lhs - rhs : rhs - lhs;
  return absDiff <= n * wheatReceive;
}

/**
 * exchangeV10 before the price-error threshold: decides which side is larger
 * (that one stays on the book) and rounds in favour of the side that stays.
 */
export function exchangeV10WithoutPriceErrorThresholds(
  price: Price, maxWheatSend: bigint, maxWheatReceive: bigint,
  maxSheepSend: bigint, maxSheepReceive: bigint, round: Rounding,
): ExchangeResult {
  const n = BigInt(price.n);
  const d = BigInt(price.d);
  // Both offers valued in sheep, scaled by price.d so the values are integers.
  const wheatValue = min(maxWheatSend * n, maxSheepReceive * d);
  const sheepValue = min(maxSheepSend * d, maxWheatReceive * n);
  const wheatStays = wheatValue > sheepValue;

  let wheatReceive: bigint;
  let sheepSend: bigint;
  if (wheatStays) {
    if (round === 'strictSend') {
      // The taker must spend exactly its input; the book offer may be favoured without bound.
      wheatReceive = divideOrThrow(sheepValue, n);
      sheepSend = min(maxSheepSend, maxSheepReceive);
    } else if (price.n > price.d || round === 'strictReceive') {
      wheatReceive = divideOrThrow(sheepValue, n);
      sheepSend = bigDivideOrThrow(wheatReceive, n, d, true);
    } else {
      sheepSend = divideOrThrow(sheepValue, d);
      wheatReceive = bigDivideOrThrow(sheepSend, d, n, false);
    }
  } else if (price.n > price.d) {
    wheatReceive = divideOrThrow(wheatValue, n);
    sheepSend = bigDivideOrThrow(wheatReceive, n, d, false);
  } else {
    sheepSend = divideOrThrow(wheatValue, d);
    wheatReceive = bigDivideOrThrow(sheepSend, d, n, true);
  }

  if (wheatReceive < 0n || wheatReceive > min(maxWheatReceive, maxWheatSend)) {
    throw new Error('exchange: wheatReceive out of bounds');
  }
  if (sheepSend < 0n || sheepSend > min(maxSheepReceive, maxSheepSend)) {
    throw new Error('exchange: sheepSend out of bounds');
  }
  return { wheatReceived: wheatReceive, sheepSend, wheatStays };
}

function applyPriceErrorThresholds(price: Price, r: ExchangeResult, round: Rounding): ExchangeResult {
  let { wheatReceived, sheepSend } = r;
  if (wheatReceived > 0n && sheepSend > 0n) {
    const wheatReceiveValue = wheatReceived * BigInt(price.n);
    const sheepSendValue = sheepSend * BigInt(price.d);
    if (r.wheatStays && sheepSendValue < wheatReceiveValue) throw new Error('exchange: favored sheep when wheat stays');
    if (!r.wheatStays && sheepSendValue > wheatReceiveValue) throw new Error('exchange: favored wheat when sheep stays');
    if (round === 'normal') {
      // Both sides must get a price within 1% of the offer's, else nothing trades.
      if (!checkPriceErrorBound(price, wheatReceived, sheepSend, false)) {
        wheatReceived = 0n;
        sheepSend = 0n;
      }
    } else if (!checkPriceErrorBound(price, wheatReceived, sheepSend, true)) {
      throw new Error('exchange: exceeded price error bound');
    }
  } else if (round === 'strictSend') {
    // Strict send may give sheep for no wheat (destMin guards the total), never the reverse.
    if (sheepSend === 0n) throw new Error('exchange: invalid amount of sheep sent');
  } else {
    wheatReceived = 0n;
    sheepSend = 0n;
  }
  return { wheatReceived, sheepSend, wheatStays: r.wheatStays };
}

/** stellar-core's exchangeV10: exact amounts for one taker crossing one book offer. */
export function exchangeV10(
  price: Price, maxWheatSend: bigint, maxWheatReceive: bigint,
  maxSheepSend: bigint, maxSheepReceive: bigint, round: Rounding,
): ExchangeResult {
  const before = exchangeV10WithoutPriceErrorThresholds(
    price, maxWheatSend, maxWheatReceive, maxSheepSend, maxSheepReceive, round,
  );
  return applyPriceErrorThresholds(price, before, round);
}

/**
 * The amount an offer can really sell given what its owner can send and receive:
 * what an unlimited taker would get from it. 0 means the offer must be deleted.
 */
export function adjustOffer(price: Price, maxWheatSend: bigint, maxSheepReceive: bigint): bigint {
  return exchangeV10(price, maxWheatSend, INT64_MAX, INT64_MAX, maxSheepReceive, 'normal').wheatReceived;
}

/** Liabilities of an offer on the book selling `amount` at `price`. */
export function offerLiabilities(price: Price, amount: bigint): { buying: bigint; selling: bigint } {
  const r = exchangeV10WithoutPriceErrorThresholds(price, amount, INT64_MAX, INT64_MAX, INT64_MAX, 'normal');
  return { buying: r.sheepSend, selling: r.wheatReceived };
}

export function offerBuyingLiabilities(price: Price, amount: bigint): bigint {
  return offerLiabilities(price, amount).buying;
}

export function offerSellingLiabilities(price: Price, amount: bigint): bigint {
  return offerLiabilities(price, amount).selling;
}

/**
 * Liabilities a manageBuyOffer asks for before crossing (ManageBuyOfferOpFrame):
 * a sell offer at the book `price` (buying per selling, the inverse of the op's
 * price) whose proceeds are capped at buyAmount.
 */
export function buyOfferLiabilities(price: Price, buyAmount: bigint): { buying: bigint; selling: bigint } {
  const r = exchangeV10WithoutPriceErrorThresholds(price, INT64_MAX, INT64_MAX, INT64_MAX, buyAmount, 'normal');
  return { buying: r.sheepSend, selling: r.wheatReceived };
}
