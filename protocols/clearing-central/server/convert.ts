/**
 * The seller's amount in the buyer's currency, as Clearing Central computes it: equal
 * rates forward the amount unchanged; otherwise round(amount × buyer_rate / seller_rate, 2),
 * half away from zero — here exactly, on stroops and the communities' rate fractions
 * (the original uses floats).
 */
import { Community } from '../../../src/core';

/** 0.01 in stroops: the original rounds converted amounts to 2 decimals. */
const CENT = 100_000n;

export function buyerAmount(seller: Community, buyer: Community, stroops: bigint): bigint {
  // A rate is the value of one unit in HOUR (n/d); conv_rate, units per hour, is its inverse.
  const num = stroops * BigInt(seller.rateN) * BigInt(buyer.rateD);
  const den = BigInt(seller.rateD) * BigInt(buyer.rateN);
  if (num * 1n === stroops * den) return stroops;
  const cents = (2n * num + den * CENT) / (2n * den * CENT);
  return cents * CENT;
}
