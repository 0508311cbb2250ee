/**
 * exchangeV10, adjustOffer and the price-error bound, pinned to the numbers of
 * stellar-core's ExchangeTests.cpp ("ExchangeV10", "Adjust Offer", "Check price
 * error bounds").
 */
import assert from 'node:assert/strict';
import {
  Rounding, adjustOffer, buyOfferLiabilities, checkPriceErrorBound, exchangeV10, offerLiabilities,
} from '../src/exchange';
import { INT64_MAX, Price } from '../src/state/entries';

const M = INT64_MAX;
const p = (n: number, d: number): Price => ({ n, d });

function check(
  price: Price, maxWheatSend: bigint, maxWheatReceive: bigint, maxSheepSend: bigint, maxSheepReceive: bigint,
  round: Rounding, wheatReceive: bigint, sheepSend: bigint, wheatStays?: boolean,
): void {
  const r = exchangeV10(price, maxWheatSend, maxWheatReceive, maxSheepSend, maxSheepReceive, round);
  assert.equal(r.wheatReceived, wheatReceive, 'wheatReceived');
  assert.equal(r.sheepSend, sheepSend, 'sheepSend');
  if (wheatStays !== undefined) assert.equal(r.wheatStays, wheatStays, 'wheatStays');
  if (round === 'normal' && r.wheatReceived > 0n) {
    // Rounding favours the side that stays on the book.
    const sheepValue = sheepSend * BigInt(price.d);
    const wheatValue = wheatReceive * BigInt(price.n);
    assert.ok(r.wheatStays ? sheepValue >= wheatValue : sheepValue <= wheatValue);
  }
}

describe('devnet exchange (ExchangeTests.cpp)', () => {
  describe('exchangeV10 limited by maxWheatSend and maxSheepSend', () => {
    const c = (pr: Price, mws: bigint, mss: bigint, wr: bigint, ss: bigint): void =>
      check(pr, mws, M, mss, M, 'normal', wr, ss, mws * BigInt(pr.n) > mss * BigInt(pr.d));
    it('price 3/2 rounds at and between boundaries', () => {
      c(p(3, 2), 3000n, 4501n, 3000n, 4500n);
      c(p(3, 2), 3000n, 4500n, 3000n, 4500n);
      c(p(3, 2), 3000n, 4499n, 2999n, 4499n);
      c(p(3, 2), 2999n, 4499n, 2999n, 4498n);
      c(p(3, 2), 2999n, 4498n, 2998n, 4497n);
    });
    it('price 2/3 rounds at and between boundaries', () => {
      c(p(2, 3), 3000n, 2001n, 3000n, 2000n);
      c(p(2, 3), 3000n, 2000n, 3000n, 2000n);
      c(p(2, 3), 3000n, 1999n, 2998n, 1999n);
      c(p(2, 3), 2999n, 2000n, 2999n, 1999n);
      c(p(2, 3), 2999n, 1999n, 2998n, 1999n);
    });
  });

  describe('exchangeV10 limited by maxWheatReceive and maxSheepReceive', () => {
    const c = (pr: Price, mwr: bigint, msr: bigint, wr: bigint, ss: bigint): void =>
      check(pr, M, mwr, M, msr, 'normal', wr, ss, msr * BigInt(pr.d) > mwr * BigInt(pr.n));
    it('price 3/2', () => {
      c(p(3, 2), 3000n, 4501n, 3000n, 4500n);
      c(p(3, 2), 3000n, 4500n, 3000n, 4500n);
      c(p(3, 2), 3000n, 4499n, 2999n, 4498n);
      c(p(3, 2), 2999n, 4499n, 2999n, 4499n);
      c(p(3, 2), 2999n, 4498n, 2998n, 4497n);
    });
    it('price 2/3', () => {
      c(p(2, 3), 3000n, 2001n, 3000n, 2000n);
      c(p(2, 3), 3000n, 2000n, 3000n, 2000n);
      c(p(2, 3), 3000n, 1999n, 2999n, 1999n);
      c(p(2, 3), 2999n, 2000n, 2998n, 1999n);
      c(p(2, 3), 2999n, 1999n, 2999n, 1999n);
    });
  });

  describe('exchangeV10 limited by maxWheatSend and maxWheatReceive', () => {
    const c = (pr: Price, mws: bigint, mwr: bigint, wr: bigint, ss: bigint): void =>
      check(pr, mws, mwr, M, M, 'normal', wr, ss, mws > mwr);
    it('price 3/2 and 2/3', () => {
      c(p(3, 2), 3000n, 3001n, 3000n, 4500n);
      c(p(3, 2), 3000n, 3000n, 3000n, 4500n);
      c(p(3, 2), 3000n, 2999n, 2999n, 4499n);
      c(p(2, 3), 3000n, 3001n, 3000n, 2000n);
      c(p(2, 3), 3000n, 3000n, 3000n, 2000n);
      c(p(2, 3), 3000n, 2999n, 2998n, 1999n);
    });
  });

  describe('exchangeV10 limited by maxSheepSend and maxSheepReceive', () => {
    const c = (pr: Price, mss: bigint, msr: bigint, wr: bigint, ss: bigint): void =>
      check(pr, M, M, mss, msr, 'normal', wr, ss, msr > mss);
    it('price 3/2 and 2/3', () => {
      c(p(3, 2), 4500n, 4501n, 3000n, 4500n);
      c(p(3, 2), 4500n, 4500n, 3000n, 4500n);
      c(p(3, 2), 4500n, 4499n, 2999n, 4498n);
      c(p(2, 3), 2000n, 2001n, 3000n, 2000n);
      c(p(2, 3), 2000n, 2000n, 3000n, 2000n);
      c(p(2, 3), 2000n, 1999n, 2999n, 1999n);
    });
  });

  it('NORMAL rounding trades nothing when the price error exceeds 1%', () => {
    check(p(3, 2), 28n, 27n, M, M, 'normal', 0n, 0n, true);
    check(p(3, 2), 28n, 26n, M, M, 'normal', 26n, 39n, true);
    check(p(3, 2), 52n, 51n, M, M, 'normal', 51n, 77n, true);
    check(p(3, 2), 52n, 50n, M, M, 'normal', 50n, 75n, true);
  });

  describe('PATH_PAYMENT_STRICT_RECEIVE rounding', () => {
    it('has no threshold', () => {
      check(p(3, 2), 28n, 27n, M, M, 'normal', 0n, 0n);
      check(p(3, 2), 28n, 27n, M, M, 'strictReceive', 27n, 41n, true);
    });
    it('leaves the result unchanged when wheat is more valuable', () => {
      check(p(3, 2), 150n, 101n, M, M, 'normal', 101n, 152n);
      check(p(3, 2), 150n, 101n, M, M, 'strictReceive', 101n, 152n);
    });
    it('can increase the transfer when sheep is more valuable', () => {
      check(p(2, 3), 150n, 101n, M, M, 'normal', 100n, 67n);
      check(p(2, 3), 150n, 101n, M, M, 'strictReceive', 101n, 68n);
    });
  });

  describe('PATH_PAYMENT_STRICT_SEND rounding', () => {
    it('has no threshold', () => {
      check(p(3, 2), 28n, M, 41n, M, 'normal', 0n, 0n);
      check(p(3, 2), 28n, M, 41n, M, 'strictSend', 27n, 41n, true);
    });
    it('can increase the transfer when wheat is more valuable', () => {
      assert.equal(adjustOffer(p(3, 2), 97n, M), 97n);
      check(p(3, 2), 97n, M, 145n, M, 'normal', 96n, 144n);
      check(p(3, 2), 97n, M, 145n, M, 'strictSend', 96n, 145n);
    });
    it('can increase the transfer when sheep is more valuable', () => {
      check(p(2, 3), 97n, 95n, M, M, 'normal', 94n, 63n);
      check(p(2, 3), 97n, 95n, M, M, 'strictSend', 95n, M);
    });
    it('can send something while receiving nothing', () => {
      check(p(2, 1), 1n, M, 1n, M, 'normal', 0n, 0n);
      check(p(2, 1), 1n, M, 1n, M, 'strictSend', 0n, 1n);
    });
  });

  describe('adjustOffer', () => {
    it('is limited by maxWheatSend and maxSheepReceive', () => {
      assert.equal(adjustOffer(p(1, 1000), 2001n, M), 2000n);
      assert.equal(adjustOffer(p(1, 1000), 2000n, M), 2000n);
      assert.equal(adjustOffer(p(1, 1000), 1999n, M), 1000n);
      assert.equal(adjustOffer(p(1, 1000), 2000n, 3n), 2000n);
      assert.equal(adjustOffer(p(1, 1000), 2000n, 2n), 2000n);
      assert.equal(adjustOffer(p(1, 1000), 2000n, 1n), 1000n);
      assert.equal(adjustOffer(p(1000, 1), 401n, M), 401n);
      assert.equal(adjustOffer(p(1000, 1), 400n, M), 400n);
      assert.equal(adjustOffer(p(1000, 1), 399n, M), 399n);
      assert.equal(adjustOffer(p(1000, 1), 400n, 400_001n), 400n);
      assert.equal(adjustOffer(p(1000, 1), 400n, 400_000n), 400n);
      assert.equal(adjustOffer(p(1000, 1), 400n, 399_999n), 399n);
    });

    it('has no effect when applied again', () => {
      const twice = (pr: Price, mws: bigint, msr: bigint, expected: bigint): void => {
        assert.equal(adjustOffer(pr, mws, msr), expected);
        assert.equal(adjustOffer(pr, expected, msr), expected);
      };
      twice(p(7, 3), 429n, M, 429n);
      twice(p(7, 3), 428n, M, 428n);
      twice(p(7, 3), 427n, M, 427n);
      twice(p(7, 3), 428n, 999n, 428n);
      twice(p(7, 3), 428n, 998n, 427n);
      twice(p(7, 3), 428n, 997n, 427n);
      twice(p(3, 7), 1001n, M, 1001n);
      twice(p(3, 7), 1000n, M, 999n);
      twice(p(3, 7), 999n, M, 999n);
      twice(p(3, 7), 1000n, 429n, 999n);
      twice(p(3, 7), 1000n, 428n, 999n);
      twice(p(3, 7), 1000n, 427n, 997n);
    });

    it('deletes small offers whose price error exceeds the threshold', () => {
      assert.equal(adjustOffer(p(3, 2), 29n, M), 0n);
      assert.equal(adjustOffer(p(3, 2), 28n, M), 28n);
      assert.equal(adjustOffer(p(3, 2), 27n, M), 0n);
      assert.equal(adjustOffer(p(3, 2), 26n, M), 26n);
      assert.equal(adjustOffer(p(3, 2), 51n, M), 51n);
      assert.equal(adjustOffer(p(3, 2), 50n, M), 50n);
    });
  });

  describe('checkPriceErrorBound', () => {
    for (const canFavorWheat of [false, true]) {
      it(`bounds the error at 1% (${canFavorWheat ? 'can' : 'cannot'} favour wheat)`, () => {
        const bounds = (pr: Price, wheat: bigint, high: bigint, low: bigint): void => {
          assert.equal(checkPriceErrorBound(pr, wheat, high + 1n, canFavorWheat), canFavorWheat);
          assert.equal(checkPriceErrorBound(pr, wheat, high, canFavorWheat), true);
          assert.equal(checkPriceErrorBound(pr, wheat, low, canFavorWheat), true);
          assert.equal(checkPriceErrorBound(pr, wheat, low - 1n, canFavorWheat), false);
        };
        bounds(p(1, 1), 1000n, 1010n, 990n);
        bounds(p(5, 2), 1000n, 2525n, 2475n);
        bounds(p(2, 5), 1000n, 404n, 396n);
        bounds(p(7, 3), 1000n, 2356n, 2310n);
        bounds(p(3, 7), 1000n, 432n, 425n);
      });
    }
  });

  describe('offer liabilities', () => {
    it('buying = floor(amount·n/d); selling = amount when n > d', () => {
      assert.deepEqual(offerLiabilities(p(3, 2), 1001n), { buying: 1501n, selling: 1001n });
    });
    it('selling = ceil(floor(amount·n/d)·d/n) when n ≤ d', () => {
      // floor(1000·3/7) = 428; ceil(428·7/3) = 999
      assert.deepEqual(offerLiabilities(p(3, 7), 1000n), { buying: 428n, selling: 999n });
    });
    it('a buy offer asks exactly its buy amount at the inverse price', () => {
      // buy 100 at 2 selling per buying (book price 1/2): sells 200, buys 100
      assert.deepEqual(buyOfferLiabilities(p(1, 2), 100n), { buying: 100n, selling: 200n });
      // buy 100 at 3/7 selling per buying (book price 7/3): 42 sold buys floor(42·7/3) = 98
      assert.deepEqual(buyOfferLiabilities(p(7, 3), 100n), { buying: 98n, selling: 42n });
    });
  });
});
