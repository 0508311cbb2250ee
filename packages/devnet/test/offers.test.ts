/**
 * manageSellOffer / manageBuyOffer / createPassiveSellOffer through the SDK over
 * HTTP (OfferTests.cpp): exact amounts after crossing and rounding, what is left
 * on the book, liabilities, reserves, trades and effects, and every result code.
 * Each test builds its own issuer, so books never interfere.
 */
import assert from 'node:assert/strict';
import { Asset, Keypair, Operation, xdr } from '@stellar/stellar-sdk';
import { TestNetwork, startTestNetwork } from '../src/testing';
import {
  XLM, act, amt, authRequired, authorize, bal, bals, claims, codes, create, keys, liabilities, offerAmount, offers,
  ok, opResult, pay, passive, sell, setup, st, subentries, trust,
} from './dex-helpers';

const P = (n: number, d: number): { n: number; d: number } => ({ n, d });

const buy = (k: Keypair, selling: Asset, buying: Asset, buyAmount: string | bigint, price: { n: number; d: number }, offerId = '0') => ({
  by: k,
  op: Operation.manageBuyOffer({
    selling, buying, buyAmount: typeof buyAmount === 'bigint' ? amt(buyAmount) : buyAmount, price, offerId, source: k.publicKey(),
  }),
});

describe('devnet offers over HTTP (OfferTests.cpp)', function () {
  this.timeout(60_000);
  let net: TestNetwork;
  before(async () => { net = await startTestNetwork(); });
  after(async () => { await net?.close(); });

  /** issuer of USD/EUR/GBP; seller holds 100 USD, taker 100 EUR; both trust USD and EUR. */
  async function market() {
    const [issuer, seller, taker] = keys(3);
    const usd = new Asset('USD', issuer.publicKey());
    const eur = new Asset('EUR', issuer.publicKey());
    const gbp = new Asset('GBP', issuer.publicKey());
    await setup(net, [
      create(issuer), create(seller), create(taker),
      trust(seller, usd), trust(seller, eur), trust(taker, usd), trust(taker, eur),
      pay(issuer, seller, usd, '100'), pay(issuer, taker, eur, '100'),
    ]);
    return { issuer, seller, taker, usd, eur, gbp };
  }

  it('creates an offer, takes its reserve and acquires its liabilities', async () => {
    const { issuer, seller, usd, eur } = await market();
    const out = await ok(net, seller, sell(seller, usd, eur, '100', P(3, 2)));
    const [r] = out.offerResults;
    assert.equal(r.effect, 'manageOfferCreated');
    assert.equal(r.isFullyOpen, true);
    assert.equal(st(r.currentOffer!.amount), 100n * XLM);
    assert.deepEqual(r.currentOffer!.price, { n: 3, d: 2 });
    assert.equal(await subentries(net, seller), 3);
    assert.deepEqual(await liabilities(net, seller, usd), [0n, 100n * XLM]);
    assert.deepEqual(await liabilities(net, seller, eur), [150n * XLM, 0n]);
    assert.deepEqual(await offers(net, seller), [[r.currentOffer!.offerId, 100n * XLM, '3/2']]);
    const [op] = (await net.server.operations().forTransaction(out.hash).call()).records as unknown as Record<string, unknown>[];
    assert.equal(op.type, 'manage_sell_offer');
    assert.deepEqual(
      { offer_id: op.offer_id, amount: op.amount, price: op.price, price_r: op.price_r, b: op.buying_asset_code, s: op.selling_asset_code, i: op.selling_asset_issuer },
      { offer_id: '0', amount: '100.0000000', price: '1.5000000', price_r: { n: 3, d: 2 }, b: 'EUR', s: 'USD', i: issuer.publicKey() },
    );
  });

  it('crosses at the book price, the book offer is favoured and stays; the taker offer is deleted', async () => {
    const { issuer, seller, taker, usd, eur } = await market();
    const made = await ok(net, seller, sell(seller, usd, eur, '100', P(3, 2)));
    const bookId = made.offerResults[0].currentOffer!.offerId;
    // taker sells 30 EUR at 2/3 USD per EUR: exactly the inverse price, so it crosses
    const out = await ok(net, taker, sell(taker, eur, usd, '30', P(2, 3)));
    const [r] = out.offerResults;
    assert.equal(r.effect, 'manageOfferDeleted');
    assert.equal(r.wasImmediatelyFilled, true);
    assert.deepEqual(claims(r), [[bookId, 20n * XLM, 30n * XLM]]);
    assert.equal(r.offersClaimed[0].sellerId, seller.publicKey());

    assert.deepEqual(await bals(net, taker, usd, eur), [20n * XLM, 70n * XLM]);
    assert.deepEqual(await bals(net, seller, usd, eur), [80n * XLM, 30n * XLM]);
    assert.equal(await offerAmount(net, bookId), 80n * XLM);
    assert.deepEqual(await liabilities(net, seller, usd), [0n, 80n * XLM]);
    assert.deepEqual(await liabilities(net, seller, eur), [120n * XLM, 0n]);
    assert.equal(await subentries(net, taker), 2, 'the reserve taken up front is given back');
    assert.deepEqual(await offers(net, taker), []);

    const trades = (await net.server.trades().forAccount(taker.publicKey()).call()).records;
    assert.equal(trades.length, 1);
    const t = trades[0];
    const usdSide = t.base_asset_code === 'USD' ? t.base_amount : t.counter_amount;
    const eurSide = t.base_asset_code === 'EUR' ? t.base_amount : t.counter_amount;
    assert.deepEqual([usdSide, eurSide], ['20.0000000', '30.0000000']);
    const effects = (await net.server.effects().forTransaction(out.hash).call()).records as unknown as Record<string, unknown>[];
    assert.deepEqual(effects.map((e) => [e.type, e.account]), [['trade', taker.publicKey()], ['trade', seller.publicKey()]]);
    const e = effects[0];
    assert.deepEqual(
      [e.offer_id, e.seller, e.bought_amount, e.bought_asset_code, e.bought_asset_issuer, e.sold_amount, e.sold_asset_code],
      [bookId, seller.publicKey(), '20.0000000', 'USD', issuer.publicKey(), '30.0000000', 'EUR'],
    );
  });

  it('rounds a partial cross in favour of the offer that stays (ceil on the taker side)', async () => {
    const { seller, taker, usd, eur } = await market();
    await ok(net, seller, sell(seller, usd, eur, '100', P(3, 2)));
    // 31 stroops of EUR at 3/2: wheat = floor(31·2/3) = 20 stroops of USD, sheep = ceil(20·3/2) = 30
    const out = await ok(net, taker, sell(taker, eur, usd, 31n, P(2, 3)));
    assert.deepEqual(await bals(net, taker, usd, eur), [20n, 100n * XLM - 30n]);
    // the 1 stroop left cannot buy anything: the taker offer is not placed
    assert.equal(out.offerResults[0].effect, 'manageOfferDeleted');
    assert.deepEqual(claims(out.offerResults[0]).map((c) => c.slice(1)), [[20n, 30n]]);
  });

  it('deletes a new offer that adjustOffer reduces to zero (27 stroops at 3/2), places 28', async () => {
    // OfferTests "new offer is not created if it does not satisfy thresholds"
    const { seller, usd, eur } = await market();
    const out27 = await ok(net, seller, sell(seller, usd, eur, 27n, P(3, 2)));
    assert.equal(out27.offerResults[0].effect, 'manageOfferDeleted');
    assert.equal(out27.offerResults[0].wasImmediatelyDeleted, true);
    assert.equal(await subentries(net, seller), 2);
    const out28 = await ok(net, seller, sell(seller, usd, eur, 28n, P(3, 2)));
    assert.equal(out28.offerResults[0].effect, 'manageOfferCreated');
    assert.equal(st(out28.offerResults[0].currentOffer!.amount), 28n);
  });

  it('a taker too small to trade within 1% is deleted after a zero trade', async () => {
    const { seller, taker, usd, eur } = await market();
    const made = await ok(net, seller, sell(seller, usd, eur, '100', P(3, 2)));
    const out = await ok(net, taker, sell(taker, eur, usd, 1n, P(2, 3)));
    const [r] = out.offerResults;
    assert.equal(r.effect, 'manageOfferDeleted');
    assert.deepEqual(claims(r).map((c) => c.slice(1)), [[0n, 0n]]);
    const trades = (await net.server.trades().forAccount(taker.publicKey()).call()).records;
    assert.equal(trades.length, 0, 'Horizon records no trade that moved nothing');
    assert.equal(await offerAmount(net, made.offerResults[0].currentOffer!.offerId), 100n * XLM);
    assert.deepEqual(await bals(net, taker, usd, eur), [0n, 100n * XLM]);
  });

  it('passive offers do not cross at an equal price but do at a better one', async () => {
    const { seller, taker, usd, eur } = await market();
    await ok(net, seller, sell(seller, usd, eur, '100', P(3, 2)));
    const equal = await ok(net, taker, passive(taker, eur, usd, '30', P(2, 3)));
    const eq = opResult(equal).tr().createPassiveSellOfferResult().success();
    assert.equal(eq.offer().switch().name, 'manageOfferCreated');
    assert.equal(eq.offersClaimed().length, 0);
    const [op] = (await net.server.operations().forTransaction(equal.hash).call()).records;
    assert.equal(op.type, 'create_passive_sell_offer');
    assert.deepEqual((await offers(net, taker)).map((o) => o.slice(1)), [[30n * XLM, '2/3']]);
    // asking only 1/2 USD per EUR: the book's 2/3 is better, so it crosses there
    const better = await ok(net, taker, passive(taker, eur, usd, '15', P(1, 2)));
    assert.equal(opResult(better).tr().createPassiveSellOfferResult().success().offersClaimed().length, 1);
    assert.equal(await bal(net, taker, usd), 10n * XLM);
  });

  it('passive offers: stay at an equal price, cross when updated or created at a better one (OfferTests "passive offer")', async () => {
    const [issuer, a1, b1] = keys(3);
    const idr = new Asset('IDR', issuer.publicKey());
    const usd = new Asset('USD', issuer.publicKey());
    await setup(net, [
      create(issuer), create(a1), create(b1),
      trust(a1, idr, 1_000_000n), trust(a1, usd, 1_000_000n), trust(b1, idr, 1_000_000n), trust(b1, usd, 1_000_000n),
      pay(issuer, a1, idr, 100_000n), pay(issuer, b1, usd, 100_000n),
    ]);
    const first = (await ok(net, a1, sell(a1, idr, usd, 100n, P(1, 1)))).offerResults[0].currentOffer!.offerId;
    const second = await ok(net, b1, passive(b1, usd, idr, 100n, P(1, 1)));
    const secondOffer = opResult(second).tr().createPassiveSellOfferResult().success().offer();
    assert.equal(secondOffer.switch().name, 'manageOfferCreated');
    const secondId = secondOffer.offer().offerId().toString();
    // a higher price does not cross and keeps the offer passive
    const higher = await ok(net, b1, sell(b1, usd, idr, 100n, P(100, 99), secondId));
    assert.equal(higher.offerResults[0].effect, 'manageOfferUpdated');
    assert.equal(higher.offerResults[0].offersClaimed.length, 0);
    assert.equal(await offerAmount(net, first), 100n);
    // a lower price takes the first offer, and nothing is left of the passive one
    const lower = await ok(net, b1, sell(b1, usd, idr, 100n, P(99, 100), secondId));
    assert.equal(lower.offerResults[0].effect, 'manageOfferDeleted');
    assert.deepEqual(claims(lower.offerResults[0]), [[first, 100n, 100n]]);
    assert.equal(await offerAmount(net, first), null);
    assert.equal(await offerAmount(net, secondId), null);

    // a new passive offer at a better price takes a standing offer and is not created
    const again = (await ok(net, a1, sell(a1, idr, usd, 100n, P(1, 1)))).offerResults[0].currentOffer!.offerId;
    const better = await ok(net, b1, passive(b1, usd, idr, 100n, P(99, 100)));
    const res = opResult(better).tr().createPassiveSellOfferResult().success();
    assert.equal(res.offer().switch().name, 'manageOfferDeleted');
    assert.deepEqual(res.offersClaimed().map((c) => c.orderBook().offerId().toString()), [again]);
    assert.deepEqual(await offers(net, a1), []);
  });

  it('does not cross an offer priced worse than the taker accepts', async () => {
    const { seller, taker, usd, eur } = await market();
    await ok(net, seller, sell(seller, usd, eur, '100', P(3, 2)));
    // asking 1 USD per EUR while the book gives only 2/3
    const out = await ok(net, taker, sell(taker, eur, usd, '30', P(1, 1)));
    assert.equal(out.offerResults[0].effect, 'manageOfferCreated');
    assert.equal(out.offerResults[0].offersClaimed.length, 0);
  });

  it('takes the best offers first, older first at equal price, and rests the remainder', async () => {
    const { issuer, seller, taker, usd, eur } = await market();
    const seller2 = Keypair.random();
    await setup(net, [create(seller2), trust(seller2, usd), trust(seller2, eur), pay(issuer, seller2, usd, '100')]);
    const worst = await ok(net, seller, sell(seller, usd, eur, '10', P(2, 1)));
    const bestOlder = await ok(net, seller2, sell(seller2, usd, eur, '10', P(1, 1)));
    const bestNewer = await ok(net, seller, sell(seller, usd, eur, '10', P(1, 1)));
    const out = await ok(net, taker, sell(taker, eur, usd, '50', P(1, 1)));
    const [r] = out.offerResults;
    assert.deepEqual(r.offersClaimed.map((c) => c.offerId), [bestOlder, bestNewer].map((o) => o.offerResults[0].currentOffer!.offerId));
    assert.equal(r.effect, 'manageOfferCreated');
    assert.equal(st(r.currentOffer!.amount), 30n * XLM);
    assert.equal(await bal(net, taker, usd), 20n * XLM);
    assert.equal(await offerAmount(net, worst.offerResults[0].currentOffer!.offerId), 10n * XLM);
  });

  it('manageBuyOffer buys exactly the amount asked and pays the book price', async () => {
    const { seller, taker, usd, eur } = await market();
    await ok(net, seller, sell(seller, usd, eur, '100', P(3, 2)));
    const out = await ok(net, taker, buy(taker, eur, usd, '15', P(3, 2)));
    assert.equal(out.offerResults[0].effect, 'manageOfferDeleted');
    assert.deepEqual(claims(out.offerResults[0]).map((c) => c.slice(1)), [[15n * XLM, 225_000_000n]]);
    assert.deepEqual(await bals(net, taker, usd, eur), [15n * XLM, 100n * XLM - 225_000_000n]);
  });

  it('a resting buy offer is a sell offer at the inverse price, capped at the amount to buy', async () => {
    const { taker, usd, eur } = await market();
    const out = await ok(net, taker, buy(taker, eur, usd, '10', P(3, 2)));
    const o = out.offerResults[0].currentOffer!;
    assert.deepEqual(o.price, { n: 2, d: 3 });
    assert.equal(st(o.amount), 15n * XLM);
    assert.deepEqual(await liabilities(net, taker, usd), [10n * XLM, 0n]);
    assert.deepEqual(await liabilities(net, taker, eur), [0n, 15n * XLM]);
  });

  it('updates and deletes an offer, releasing its liabilities and reserve', async () => {
    const { seller, usd, eur } = await market();
    const id = (await ok(net, seller, sell(seller, usd, eur, '100', P(3, 2)))).offerResults[0].currentOffer!.offerId;
    const up = await ok(net, seller, sell(seller, usd, eur, '40', P(1, 1), id));
    assert.equal(up.offerResults[0].effect, 'manageOfferUpdated');
    assert.equal(up.offerResults[0].currentOffer!.offerId, id);
    assert.deepEqual(await liabilities(net, seller, usd), [0n, 40n * XLM]);
    assert.deepEqual(await liabilities(net, seller, eur), [40n * XLM, 0n]);
    const del = await ok(net, seller, sell(seller, usd, eur, '0', P(1, 1), id));
    assert.equal(del.offerResults[0].effect, 'manageOfferDeleted');
    assert.equal(await offerAmount(net, id), null);
    assert.equal(await subentries(net, seller), 2);
    assert.deepEqual(await liabilities(net, seller, usd), [0n, 0n]);
  });

  it('op_cross_self when the best crossing offer is the source\'s own', async () => {
    const { issuer, seller, usd, eur } = await market();
    await setup(net, [pay(issuer, seller, eur, '10')]);
    await ok(net, seller, sell(seller, usd, eur, '10', P(1, 1)));
    const out = await act(net, seller, sell(seller, eur, usd, '5', P(1, 1)));
    assert.deepEqual([out.transaction, out.operations], ['tx_failed', ['op_cross_self']]);
    assert.equal(opResult(out).tr().manageSellOfferResult().switch().name, 'manageSellOfferCrossSelf');
  });

  it('op_exceeded_work_limit past 1000 offers crossed; exactly 1000 is within the limit', async () => {
    const { issuer, seller, taker, usd, eur } = await market();
    // 1200 offers of 0.05 USD from two sellers (subentries cap at 1000 per account)
    const seller2 = Keypair.random();
    const steps = [create(seller2), trust(seller2, usd), trust(seller2, eur), pay(issuer, seller2, usd, '100')];
    await setup(net, steps);
    const book = [];
    for (let i = 0; i < 600; i++) book.push(sell(seller, usd, eur, '0.05', P(1, 1)), sell(seller2, usd, eur, '0.05', P(1, 1)));
    await setup(net, book);
    const over = await act(net, taker, sell(taker, eur, usd, '60', P(1, 1)));
    assert.deepEqual([over.transaction, over.operations], ['tx_failed', ['op_exceeded_work_limit']]);
    assert.equal(opResult(over).switch().name, 'opExceededWorkLimit');
    const within = await ok(net, taker, sell(taker, eur, usd, '50', P(1, 1)));
    assert.equal(within.offerResults[0].offersClaimed.length, 1000);
    assert.equal(within.offerResults[0].effect, 'manageOfferDeleted');
    assert.deepEqual(await bals(net, taker, usd, eur), [50n * XLM, 50n * XLM]);
  });

  describe('result codes in stellar-core\'s check order', () => {
    it('op_malformed: same assets, zero price, deleting offer 0, buying nothing', async () => {
      const { seller, usd, eur } = await market();
      assert.deepEqual(await codes(net, seller, sell(seller, usd, usd, '1', P(1, 1))), ['op_malformed']);
      const zeroPrice = sell(seller, usd, eur, '1', P(1, 1));
      (zeroPrice.op.body().value() as xdr.ManageSellOfferOp).price(new xdr.Price({ n: 0, d: 1 }));
      assert.deepEqual(await codes(net, seller, zeroPrice), ['op_malformed']);
      assert.deepEqual(await codes(net, seller, sell(seller, usd, eur, '0', P(1, 1))), ['op_malformed']);
      assert.deepEqual(await codes(net, seller, buy(seller, usd, eur, '0', P(1, 1))), ['op_malformed']);
    });

    it('op_sell_no_trust and op_buy_no_trust', async () => {
      const { seller, usd, eur, gbp } = await market();
      assert.deepEqual(await codes(net, seller, sell(seller, gbp, eur, '1', P(1, 1))), ['op_sell_no_trust']);
      assert.deepEqual(await codes(net, seller, sell(seller, usd, gbp, '1', P(1, 1))), ['op_buy_no_trust']);
    });

    it('op_underfunded for a zero balance; sell_not_authorized, buy_not_authorized (OfferTests "cannot create unauthorized offer")', async () => {
      const { seller, usd, eur } = await market();
      assert.deepEqual(await codes(net, seller, sell(seller, eur, usd, '1', P(1, 1))), ['op_underfunded']);
      const strict = Keypair.random();
      const gbp = new Asset('GBP', strict.publicKey());
      await setup(net, [
        create(strict), authRequired(strict), trust(seller, gbp, '100'),
        authorize(strict, seller, gbp), pay(strict, seller, gbp, '10'), authorize(strict, seller, gbp, 'none'),
      ]);
      assert.deepEqual(await codes(net, seller, sell(seller, gbp, eur, '1', P(1, 1))), ['sell_not_authorized']);
      assert.deepEqual(await codes(net, seller, sell(seller, usd, gbp, '1', P(1, 1))), ['buy_not_authorized']);
      assert.deepEqual(await codes(net, seller, buy(seller, usd, gbp, '1', P(1, 1))), ['buy_not_authorized']);
    });

    it('op_offer_not_found for an unknown offer or another account\'s offer (also to delete)', async () => {
      const { seller, taker, usd, eur } = await market();
      assert.deepEqual(await codes(net, seller, sell(seller, usd, eur, '1', P(1, 1), '9223372036854775807')), ['op_offer_not_found']);
      assert.deepEqual(await codes(net, seller, sell(seller, usd, eur, '0', P(1, 1), '9223372036854775807')), ['op_offer_not_found']);
      const id = (await ok(net, seller, sell(seller, usd, eur, '1', P(1, 1)))).offerResults[0].currentOffer!.offerId;
      assert.deepEqual(await codes(net, taker, sell(taker, eur, usd, '1', P(1, 1), id)), ['op_offer_not_found']);
      assert.deepEqual(await codes(net, taker, sell(taker, eur, usd, '0', P(1, 1), id)), ['op_offer_not_found']);
    });

    it('op_low_reserve when the new offer\'s reserve is not covered', async () => {
      const { issuer, usd } = await market();
      const poor = Keypair.random();
      // 2 base reserves + 1 trustline = 1.5 XLM, plus this transaction's fee: no room for an offer's 0.5
      await setup(net, [create(poor, 15_000_100n), trust(poor, usd, '10'), pay(issuer, poor, usd, '10')]);
      assert.deepEqual(await codes(net, poor, sell(poor, usd, Asset.native(), '1', P(1, 1))), ['op_low_reserve']);
      assert.equal(await bal(net, poor, Asset.native()), 15_000_000n);
    });

    it('op_underfunded when selling liabilities exceed the available balance', async () => {
      const { seller, usd, eur } = await market();
      assert.deepEqual(await codes(net, seller, sell(seller, usd, eur, '100.0000001', P(1, 1))), ['op_underfunded']);
      await ok(net, seller, sell(seller, usd, eur, '60', P(1, 1)));
      assert.deepEqual(await codes(net, seller, sell(seller, usd, Asset.native(), '41', P(1, 1))), ['op_underfunded']);
      await ok(net, seller, sell(seller, usd, Asset.native(), '40', P(1, 1)));
    });

    it('op_line_full when buying liabilities do not fit the limit', async () => {
      const { usd } = await market();
      const capped = Keypair.random();
      await setup(net, [create(capped), trust(capped, usd, '10')]);
      assert.deepEqual(await codes(net, capped, sell(capped, Asset.native(), usd, '11', P(1, 1))), ['op_line_full']);
      await ok(net, capped, sell(capped, Asset.native(), usd, '10', P(1, 1)));
      assert.deepEqual(await codes(net, capped, buy(capped, Asset.native(), usd, 1n, P(1, 1))), ['op_line_full']);
    });

    it('op_too_many_subentries at 1000 subentries (operation-level result)', async () => {
      const { seller, usd, eur } = await market();
      const data = [];
      for (let i = 0; i < 998; i++) {
        data.push({ by: seller, op: Operation.manageData({ name: `k${i}`, value: 'v', source: seller.publicKey() }) });
      }
      await setup(net, data);
      assert.equal(await subentries(net, seller), 1000);
      const out = await act(net, seller, sell(seller, usd, eur, '1', P(1, 1)));
      assert.deepEqual(out.operations, ['op_too_many_subentries']);
      assert.equal(opResult(out).switch().name, 'opTooManySubentries');
    });

    it('the issuer sells its own asset without a trustline', async () => {
      const { issuer, usd } = await market();
      await ok(net, issuer, sell(issuer, usd, Asset.native(), '1000000', P(1, 10)));
      assert.deepEqual(await liabilities(net, issuer, Asset.native()), [100_000n * XLM, 0n]);
    });
  });

  // ---- OfferTests.cpp scenarios, amounts in stroops ----------------------------------------

  describe('"multiple offers": 22 offers selling 100 IDR at 3/2 USD', () => {
    /** a1 sells 22 × 100 IDR at 3/2 (holding 100000 IDR); b1 holds 20000 USD; limits 1000000. */
    async function twentyTwo(maintain?: 'usd' | 'idr') {
      const [issuer, a1, b1] = keys(3);
      const idr = new Asset('IDR', issuer.publicKey());
      const usd = new Asset('USD', issuer.publicKey());
      await setup(net, [
        create(issuer), create(a1), create(b1),
        trust(a1, usd, 1_000_000n), trust(a1, idr, 1_000_000n), trust(b1, idr, 1_000_000n), trust(b1, usd, 1_000_000n),
        pay(issuer, a1, idr, 100_000n), pay(issuer, b1, usd, 20_000n),
      ]);
      const made = await ok(net, a1, ...Array.from({ length: 22 }, () => sell(a1, idr, usd, 100n, P(3, 2))));
      const ids = made.offerResults.map((r) => r.currentOffer!.offerId);
      if (maintain) {
        // the issuer turns on AUTH_REQUIRED and lets a1 only maintain its liabilities in one asset
        await setup(net, [authRequired(issuer), authorize(issuer, a1, maintain === 'usd' ? usd : idr, 'maintain')]);
      }
      return { issuer, a1, b1, idr, usd, ids };
    }

    it('an offer that does not cross is created', async () => {
      const { b1, idr, usd } = await twentyTwo();
      const out = await ok(net, b1, sell(b1, usd, idr, 40n, P(2, 1)));
      assert.equal(out.offerResults[0].effect, 'manageOfferCreated');
      assert.equal(st(out.offerResults[0].currentOffer!.amount), 40n);
    });

    it('crossing one\'s own offers is op_cross_self', async () => {
      const { issuer, a1, idr, usd } = await twentyTwo();
      await setup(net, [pay(issuer, a1, usd, 20_000n), pay(a1, issuer, idr, 50_000n)]);
      assert.deepEqual(await codes(net, a1, sell(a1, usd, idr, 150n, P(2, 3))), ['op_cross_self']);
    });

    it('crosses and removes the first', async () => {
      const { b1, idr, usd, ids } = await twentyTwo();
      const out = await ok(net, b1, sell(b1, usd, idr, 150n, P(2, 3)));
      assert.equal(out.offerResults[0].effect, 'manageOfferDeleted');
      assert.deepEqual(claims(out.offerResults[0]), [[ids[0], 100n, 150n]]);
      assert.equal(await offerAmount(net, ids[0]), null);
      assert.equal(await offerAmount(net, ids[1]), 100n);
    });

    for (const maintain of [undefined, 'usd'] as const) {
      it(`removes the first six and changes the seventh${maintain ? ' (seller may only maintain USD liabilities)' : ''}`, async () => {
        const { a1, b1, idr, usd, ids } = await twentyTwo(maintain);
        // 1009 USD at 1/2: six offers for 900 USD; the seventh gets 109 USD → floor(109·2/3) = 72 IDR, 28 left
        const out = await ok(net, b1, sell(b1, usd, idr, 1009n, P(1, 2)));
        assert.equal(out.offerResults[0].effect, 'manageOfferDeleted');
        assert.deepEqual(claims(out.offerResults[0]), [
          ...ids.slice(0, 6).map((id) => [id, 100n, 150n]), [ids[6], 72n, 108n],
        ]);
        for (const id of ids.slice(0, 6)) assert.equal(await offerAmount(net, id), null);
        assert.equal(await offerAmount(net, ids[6]), 28n);
        assert.equal(await offerAmount(net, ids[7]), 100n);
        assert.deepEqual(await bals(net, a1, usd, idr), [1008n, 99_328n]);
        assert.deepEqual(await bals(net, b1, usd, idr), [18_992n, 672n]);
      });
    }

    it('removes the first six and the seventh by adjustment (27 IDR left cannot trade within 1%)', async () => {
      const { a1, b1, idr, usd, ids } = await twentyTwo();
      const out = await ok(net, b1, sell(b1, usd, idr, 1010n, P(1, 2)));
      assert.equal(out.offerResults[0].effect, 'manageOfferDeleted');
      for (const id of ids.slice(0, 7)) assert.equal(await offerAmount(net, id), null);
      assert.equal(await offerAmount(net, ids[7]), 100n);
      assert.deepEqual(await bals(net, a1, usd, idr), [1010n, 99_327n]);
      assert.deepEqual(await bals(net, b1, usd, idr), [18_990n, 673n]);
    });

    for (const maintain of [undefined, 'idr'] as const) {
      it(`removes all offers and remains${maintain ? ' (seller may only maintain IDR liabilities)' : ''}`, async () => {
        const { a1, b1, idr, usd, ids } = await twentyTwo(maintain);
        const out = await ok(net, b1, sell(b1, usd, idr, 10_000n, P(1, 2)));
        const [r] = out.offerResults;
        assert.equal(r.effect, 'manageOfferCreated');
        assert.equal(r.wasPartiallyFilled, true);
        assert.equal(r.offersClaimed.length, 22);
        assert.equal(st(r.currentOffer!.amount), 6700n);
        assert.deepEqual(await offers(net, a1), []);
        assert.deepEqual(await offers(net, b1), [[r.currentOffer!.offerId, 6700n, '1/2']]);
        assert.deepEqual(await bals(net, a1, usd, idr), [3300n, 97_800n]);
        assert.deepEqual(await bals(net, b1, usd, idr), [16_700n, 2200n]);
        assert.ok(ids.length === 22);
      });
    }

    it('ten small crossings each take 6 IDR for 9 USD (wheat stays, ceil on the taker)', async () => {
      const { a1, b1, idr, usd, ids } = await twentyTwo();
      const out = await ok(net, b1, ...Array.from({ length: 10 }, () => sell(b1, usd, idr, 10n, P(1, 2))));
      for (const r of out.offerResults) {
        assert.equal(r.effect, 'manageOfferDeleted');
        assert.deepEqual(claims(r), [[ids[0], 6n, 9n]]);
      }
      assert.equal(await offerAmount(net, ids[0]), 40n);
      assert.deepEqual(await bals(net, a1, usd, idr), [90n, 99_940n]);
      assert.deepEqual(await bals(net, b1, usd, idr), [19_910n, 60n]);
    });
  });

  describe('"crossing offers with rounding": bid 4.1220000, ask 4.0816000', () => {
    async function bidAsk() {
      const [issuer, asking, bidding] = keys(3);
      const idr = new Asset('IDR', issuer.publicKey());
      await setup(net, [
        create(issuer), create(asking, '1000'), create(bidding, '1000'),
        trust(asking, idr, 1_000_000_000_000n), trust(bidding, idr, 1_000_000_000_000n), pay(issuer, asking, idr, 100_000_000_000n),
      ]);
      const bid = sell(bidding, Asset.native(), idr, 8_224_563_625n, P(500, 2061));
      const ask = sell(asking, idr, Asset.native(), 2_000_000_000n, P(2551, 625));
      return { asking, bidding, idr, bid, ask };
    }

    it('bid before ask uses the bid price: the bid is taken, 4715278 IDR stay asked', async () => {
      const { asking, bidding, idr, bid, ask } = await bidAsk();
      const bidId = (await ok(net, bidding, bid)).offerResults[0].currentOffer!.offerId;
      const out = await ok(net, asking, ask);
      const [r] = out.offerResults;
      // sheepSend = floor(8224563625·500/2061) = 1995284722 IDR; the whole bid is received
      assert.deepEqual(claims(r), [[bidId, 8_224_563_625n, 1_995_284_722n]]);
      assert.equal(r.effect, 'manageOfferCreated');
      assert.equal(st(r.currentOffer!.amount), 4_715_278n);
      assert.equal(await offerAmount(net, bidId), null);
      assert.equal(await bal(net, bidding, idr), 1_995_284_722n);
      assert.equal(await bal(net, asking, idr), 100_000_000_000n - 1_995_284_722n);
    });

    it('ask before bid uses the ask price: the ask is taken, 61363625 XLM stay bid', async () => {
      const { asking, bidding, idr, bid, ask } = await bidAsk();
      const askId = (await ok(net, asking, ask)).offerResults[0].currentOffer!.offerId;
      const out = await ok(net, bidding, bid);
      const [r] = out.offerResults;
      // 2000000000 IDR · 4.0816 = 8163200000 stroops of XLM
      assert.deepEqual(claims(r), [[askId, 2_000_000_000n, 8_163_200_000n]]);
      assert.equal(st(r.currentOffer!.amount), 61_363_625n);
      assert.equal(await offerAmount(net, askId), null);
      assert.equal(await bal(net, bidding, idr), 2_000_000_000n);
    });
  });

  describe('"issuer offers"', () => {
    async function withA1() {
      const [issuer, a1] = keys(2);
      const idr = new Asset('IDR', issuer.publicKey());
      const usd = new Asset('USD', issuer.publicKey());
      await setup(net, [
        create(issuer), create(a1), trust(a1, usd, 1_000_000n), trust(a1, idr, 1_000_000n), pay(issuer, a1, idr, 100_000n),
      ]);
      const a1Offer = (await ok(net, a1, sell(a1, idr, usd, 100n, P(3, 2)))).offerResults[0].currentOffer!.offerId;
      return { issuer, a1, idr, usd, a1Offer };
    }

    it('the issuer creates an offer, claimed by somebody else', async () => {
      const { issuer, a1, idr, usd } = await withA1();
      const gw = (await ok(net, issuer, sell(issuer, idr, usd, 100n, P(9, 10)))).offerResults[0].currentOffer!.offerId;
      await setup(net, [pay(issuer, a1, usd, 1000n)]);
      const out = await ok(net, a1, sell(a1, usd, idr, 90n, P(1, 1)));
      assert.equal(out.offerResults[0].effect, 'manageOfferDeleted');
      assert.deepEqual(claims(out.offerResults[0]), [[gw, 100n, 90n]]);
      assert.deepEqual(await bals(net, a1, usd, idr), [910n, 100_100n]);
    });

    it('the issuer claims an offer from somebody else', async () => {
      const { issuer, a1, idr, usd, a1Offer } = await withA1();
      const out = await ok(net, issuer, sell(issuer, usd, idr, 150n, P(2, 3)));
      assert.equal(out.offerResults[0].effect, 'manageOfferDeleted');
      assert.deepEqual(claims(out.offerResults[0]), [[a1Offer, 100n, 150n]]);
      assert.deepEqual(await bals(net, a1, usd, idr), [150n, 99_900n]);
    });
  });

  describe('reserve and liabilities checks, fees counted as stellar-core\'s tests do', () => {
    const root = () => net.root;
    const topUp = (k: Keypair, stroops: bigint) => setup(net, [pay(root(), k, Asset.native(), stroops)]);

    it('creating an offer selling native: op_low_reserve, op_line_full, op_underfunded, then success', async () => {
      const [issuer, acc1] = keys(2);
      const idr = new Asset('IDR', issuer.publicKey());
      await setup(net, [create(issuer), create(acc1, 15_000_000n + 200n + 499n)]);
      await ok(net, acc1, trust(acc1, idr, 1000n));
      assert.deepEqual(await codes(net, acc1, sell(acc1, Asset.native(), idr, 501n, P(2, 1))), ['op_low_reserve']);
      await topUp(acc1, 5_000_000n + 100n);
      assert.deepEqual(await codes(net, acc1, sell(acc1, Asset.native(), idr, 501n, P(2, 1))), ['op_line_full']);
      await topUp(acc1, 100n);
      assert.deepEqual(await codes(net, acc1, sell(acc1, Asset.native(), idr, 500n, P(2, 1))), ['op_underfunded']);
      await topUp(acc1, 100n);
      await ok(net, acc1, sell(acc1, Asset.native(), idr, 499n, P(2, 1)));
      assert.equal(await bal(net, acc1, Asset.native()), 20_000_499n);
      assert.deepEqual(await liabilities(net, acc1, Asset.native()), [0n, 499n]);
    });

    it('creating an offer selling non-native: op_low_reserve, op_line_full, op_underfunded, then success', async () => {
      const [issuer, acc1] = keys(2);
      const idr = new Asset('IDR', issuer.publicKey());
      const usd = new Asset('USD', issuer.publicKey());
      await setup(net, [create(issuer), create(acc1, 20_000_000n + 300n)]);
      await ok(net, acc1, trust(acc1, usd, 499n));
      await ok(net, acc1, trust(acc1, idr, 1000n));
      await setup(net, [pay(issuer, acc1, usd, 499n)]);
      assert.deepEqual(await codes(net, acc1, sell(acc1, usd, idr, 501n, P(2, 1))), ['op_low_reserve']);
      await topUp(acc1, 5_000_000n + 100n);
      assert.deepEqual(await codes(net, acc1, sell(acc1, usd, idr, 501n, P(2, 1))), ['op_line_full']);
      await topUp(acc1, 100n);
      assert.deepEqual(await codes(net, acc1, sell(acc1, usd, idr, 500n, P(2, 1))), ['op_underfunded']);
      await topUp(acc1, 100n);
      await ok(net, acc1, sell(acc1, usd, idr, 499n, P(2, 1)));
      assert.deepEqual(await liabilities(net, acc1, usd), [0n, 499n]);
      assert.deepEqual(await liabilities(net, acc1, idr), [998n, 0n]);
    });

    it('"updated offers respect reserve": raising a native offer past the available balance is op_underfunded', async () => {
      const [issuer, a1] = keys(2);
      const usd = new Asset('USD', issuer.publicKey());
      await setup(net, [create(issuer), create(a1, 20_000_000n + 300n + 110n)]);
      await ok(net, a1, trust(a1, usd, 1_000_000n));
      const id = (await ok(net, a1, sell(a1, Asset.native(), usd, 110n, P(1, 1)))).offerResults[0].currentOffer!.offerId;
      assert.deepEqual(await codes(net, a1, sell(a1, Asset.native(), usd, 111n, P(1, 1), id)), ['op_underfunded']);
      assert.equal(await offerAmount(net, id), 110n);
    });

    it('"max liabilities": offers using a whole limit cross each other completely', async () => {
      const [issuer, acc1, acc2] = keys(3);
      const usd = new Asset('USD', issuer.publicKey());
      await setup(net, [
        create(issuer), create(acc1), create(acc2), trust(acc1, usd, 1000n), trust(acc2, usd, 1000n), pay(issuer, acc2, usd, 1000n),
      ]);
      const id = (await ok(net, acc1, sell(acc1, Asset.native(), usd, 1000n, P(1, 1)))).offerResults[0].currentOffer!.offerId;
      const out = await ok(net, acc2, sell(acc2, usd, Asset.native(), 1000n, P(1, 1)));
      assert.equal(out.offerResults[0].effect, 'manageOfferDeleted');
      assert.deepEqual(claims(out.offerResults[0]), [[id, 1000n, 1000n]]);
      assert.deepEqual(await bals(net, acc1, usd), [1000n]);
      assert.deepEqual(await liabilities(net, acc1, usd), [0n, 0n]);
    });
  });

  it('offers of a deauthorized trustor are removed (AllowTrust revocation)', async () => {
    const [issuer, a1] = keys(2);
    const usd = new Asset('USD', issuer.publicKey());
    await setup(net, [
      create(issuer), authRequired(issuer), create(a1), trust(a1, usd), authorize(issuer, a1, usd),
      pay(issuer, a1, usd, '50'),
    ]);
    const id = (await ok(net, a1, sell(a1, usd, Asset.native(), '50', P(1, 1)))).offerResults[0].currentOffer!.offerId;
    await setup(net, [authorize(issuer, a1, usd, 'none')]);
    assert.equal(await offerAmount(net, id), null);
    assert.deepEqual(await liabilities(net, a1, usd), [0n, 0n]);
    assert.equal(await subentries(net, a1), 1);
    // nothing left to take: the book is empty
    const book = await net.server.orderbook(usd, Asset.native()).call();
    assert.equal(book.bids.length + book.asks.length, 0);
  });
});
