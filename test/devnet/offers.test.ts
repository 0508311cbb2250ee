/**
 * manageSellOffer / manageBuyOffer / createPassiveSellOffer applied to a ledger
 * directly: exact amounts after crossing and rounding (OfferTests.cpp cases:
 * crossing at the offer's price, passive offers at equal price, offers deleted
 * by the price-error threshold, cross-self, the work limit) and every result code.
 */
import assert from 'node:assert/strict';
import { Asset, Keypair, Operation, xdr } from '@stellar/stellar-sdk';
import { AUTHORIZED_FLAG, AccountId, AssetKey, NATIVE } from '../../src/devnet/state/entries';
import { frame as sell } from '../../src/devnet/ops/manage-sell-offer';
import { frame as buy } from '../../src/devnet/ops/manage-buy-offer';
import { frame as passive } from '../../src/devnet/ops/create-passive-sell-offer';
import { Fixture, XLM } from './ledger-fixture';

const asset = (key: AssetKey): Asset => {
  if (key === NATIVE) return Asset.native();
  const [code, issuer] = key.split(':');
  return new Asset(code, issuer);
};

function sellOp(selling: AssetKey, buying: AssetKey, amount: string, price: { n: number; d: number }, offerId = '0'): xdr.Operation {
  return Operation.manageSellOffer({ selling: asset(selling), buying: asset(buying), amount, price, offerId });
}

function buyOp(selling: AssetKey, buying: AssetKey, buyAmount: string, price: { n: number; d: number }, offerId = '0'): xdr.Operation {
  return Operation.manageBuyOffer({ selling: asset(selling), buying: asset(buying), buyAmount, price, offerId });
}

function passiveOp(selling: AssetKey, buying: AssetKey, amount: string, price: { n: number; d: number }): xdr.Operation {
  return Operation.createPassiveSellOffer({ selling: asset(selling), buying: asset(buying), amount, price });
}

/** The ManageOfferSuccessResult inside an outcome, as the SDK would parse it from result_xdr. */
function success(result: xdr.OperationResult): xdr.ManageOfferSuccessResult {
  const tr = result.tr();
  return (tr.value() as xdr.ManageSellOfferResult | xdr.ManageBuyOfferResult).success();
}

describe('devnet offers (OfferTests.cpp)', () => {
  let f: Fixture;
  let issuer: AccountId;
  let usd: AssetKey;
  let eur: AssetKey;
  let seller: AccountId;
  let taker: AccountId;

  beforeEach(() => {
    f = new Fixture();
    issuer = f.account(1000n);
    usd = `USD:${issuer}`;
    eur = `EUR:${issuer}`;
    seller = f.account(1000n);
    f.trust(seller, usd, 100n * XLM);
    f.trust(seller, eur);
    taker = f.account(1000n);
    f.trust(taker, usd);
    f.trust(taker, eur, 100n * XLM);
  });

  it('creates an offer, takes its reserve and acquires its liabilities', () => {
    const out = f.apply(sell, sellOp(usd, eur, '100', { n: 3, d: 2 }), seller);
    assert.equal(out.code, 'op_success');
    const s = success(out.result);
    assert.equal(s.offer().switch().name, 'manageOfferCreated');
    assert.equal(s.offer().offer().offerId().toString(), '1');
    assert.equal(f.state.getAccount(seller)!.numSubEntries, 3);
    assert.equal(f.state.getTrustLine(seller, usd)!.sellingLiabilities, 100n * XLM);
    assert.equal(f.state.getTrustLine(seller, eur)!.buyingLiabilities, 150n * XLM);
    assert.deepEqual(out.details, {
      offer_id: '0', amount: '100.0000000', price: '1.5000000', price_r: { n: 3, d: 2 },
      buying_asset_type: 'credit_alphanum4', buying_asset_code: 'EUR', buying_asset_issuer: issuer,
      selling_asset_type: 'credit_alphanum4', selling_asset_code: 'USD', selling_asset_issuer: issuer,
    });
  });

  it('crosses at the book price, the book offer is favoured and stays; the taker offer is deleted', () => {
    f.apply(sell, sellOp(usd, eur, '100', { n: 3, d: 2 }), seller);
    // taker sells 30 EUR at 2/3 USD per EUR: exactly the inverse price, so it crosses
    const out = f.apply(sell, sellOp(eur, usd, '30', { n: 2, d: 3 }), taker);
    assert.equal(out.code, 'op_success');
    const s = success(out.result);
    assert.equal(s.offer().switch().name, 'manageOfferDeleted');
    assert.equal(s.offersClaimed().length, 1);
    const atom = s.offersClaimed()[0].orderBook();
    assert.equal(atom.offerId().toString(), '1');
    assert.equal(atom.amountSold().toString(), String(20n * XLM));
    assert.equal(atom.amountBought().toString(), String(30n * XLM));

    assert.equal(f.balance(taker, usd), 20n * XLM);
    assert.equal(f.balance(taker, eur), 70n * XLM);
    assert.equal(f.balance(seller, usd), 80n * XLM);
    assert.equal(f.balance(seller, eur), 30n * XLM);
    assert.equal(f.state.getOffer(1n)!.amount, 80n * XLM);
    assert.equal(f.state.getTrustLine(seller, usd)!.sellingLiabilities, 80n * XLM);
    assert.equal(f.state.getTrustLine(seller, eur)!.buyingLiabilities, 120n * XLM);
    assert.equal(f.state.getAccount(taker)!.numSubEntries, 2, 'the reserve taken up front is given back');
    assert.equal(f.trades.length, 1);
    assert.deepEqual(f.effects.map((e) => [e.type, e.account]), [['trade', taker], ['trade', seller]]);
    assert.deepEqual(f.effects[0].details, {
      offer_id: '1', seller,
      bought_amount: '20.0000000', bought_asset_type: 'credit_alphanum4', bought_asset_code: 'USD', bought_asset_issuer: issuer,
      sold_amount: '30.0000000', sold_asset_type: 'credit_alphanum4', sold_asset_code: 'EUR', sold_asset_issuer: issuer,
    });
  });

  it('rounds a partial cross in favour of the offer that stays (ceil on the taker side)', () => {
    f.apply(sell, sellOp(usd, eur, '100', { n: 3, d: 2 }), seller);
    // 0.0000031 EUR at 3/2: wheat = floor(31·2/3) = 20 stroops of USD, sheep = ceil(20·3/2) = 30
    const out = f.apply(sell, sellOp(eur, usd, '0.0000031', { n: 2, d: 3 }), taker);
    assert.equal(out.code, 'op_success');
    assert.equal(f.balance(taker, usd), 20n);
    assert.equal(f.balance(taker, eur), 100n * XLM - 30n);
    // the 1 stroop left cannot buy anything: the taker offer is not placed
    assert.equal(success(out.result).offer().switch().name, 'manageOfferDeleted');
  });

  it('deletes a new offer that adjustOffer reduces to zero (27 stroops at 3/2)', () => {
    const out27 = f.apply(sell, sellOp(usd, eur, '0.0000027', { n: 3, d: 2 }), seller);
    assert.equal(success(out27.result).offer().switch().name, 'manageOfferDeleted');
    assert.equal(f.state.getAccount(seller)!.numSubEntries, 2);
    const out28 = f.apply(sell, sellOp(usd, eur, '0.0000028', { n: 3, d: 2 }), seller);
    assert.equal(success(out28.result).offer().switch().name, 'manageOfferCreated');
    assert.equal(success(out28.result).offer().offer().amount().toString(), '28');
  });

  it('a taker too small to trade within 1% is deleted after a zero trade', () => {
    f.apply(sell, sellOp(usd, eur, '100', { n: 3, d: 2 }), seller);
    const out = f.apply(sell, sellOp(eur, usd, '0.0000001', { n: 2, d: 3 }), taker);
    assert.equal(out.code, 'op_success');
    const s = success(out.result);
    assert.equal(s.offer().switch().name, 'manageOfferDeleted');
    assert.equal(s.offersClaimed()[0].orderBook().amountSold().toString(), '0');
    assert.equal(f.trades.length, 0, 'Horizon records no trade that moved nothing');
    assert.equal(f.state.getOffer(1n)!.amount, 100n * XLM);
  });

  it('passive offers do not cross at an equal price but do at a better one', () => {
    f.apply(sell, sellOp(usd, eur, '100', { n: 3, d: 2 }), seller);
    const equal = f.apply(passive, passiveOp(eur, usd, '30', { n: 2, d: 3 }), taker);
    assert.equal(success(equal.result).offer().switch().name, 'manageOfferCreated');
    assert.equal(success(equal.result).offersClaimed().length, 0);
    assert.equal(f.state.getOffer(2n)!.flags, 1);
    // asking only 1/2 USD per EUR: the book's 2/3 is better, so it crosses there
    const better = f.apply(passive, passiveOp(eur, usd, '15', { n: 1, d: 2 }), taker);
    assert.equal(success(better.result).offersClaimed().length, 1);
    assert.equal(f.balance(taker, usd), 10n * XLM);
  });

  it('does not cross an offer priced worse than the taker accepts', () => {
    f.apply(sell, sellOp(usd, eur, '100', { n: 3, d: 2 }), seller);
    // asking 1 USD per EUR while the book gives only 2/3
    const out = f.apply(sell, sellOp(eur, usd, '30', { n: 1, d: 1 }), taker);
    assert.equal(success(out.result).offer().switch().name, 'manageOfferCreated');
    assert.equal(success(out.result).offersClaimed().length, 0);
  });

  it('takes the best offers first, older first at equal price, and rests the remainder', () => {
    const seller2 = f.account(1000n);
    f.trust(seller2, usd, 100n * XLM);
    f.trust(seller2, eur);
    f.apply(sell, sellOp(usd, eur, '10', { n: 2, d: 1 }), seller); // 1: worst
    f.apply(sell, sellOp(usd, eur, '10', { n: 1, d: 1 }), seller2); // 2: best, older
    f.apply(sell, sellOp(usd, eur, '10', { n: 1, d: 1 }), seller); // 3: best, newer
    const out = f.apply(sell, sellOp(eur, usd, '50', { n: 1, d: 1 }), taker);
    const s = success(out.result);
    assert.deepEqual(s.offersClaimed().map((c) => c.orderBook().offerId().toString()), ['2', '3']);
    assert.equal(s.offer().switch().name, 'manageOfferCreated');
    assert.equal(s.offer().offer().amount().toString(), String(30n * XLM));
    assert.equal(f.balance(taker, usd), 20n * XLM);
  });

  it('manageBuyOffer buys exactly the amount asked and pays the book price', () => {
    f.apply(sell, sellOp(usd, eur, '100', { n: 3, d: 2 }), seller);
    const out = f.apply(buy, buyOp(eur, usd, '15', { n: 3, d: 2 }), taker);
    assert.equal(out.code, 'op_success');
    assert.equal(success(out.result).offer().switch().name, 'manageOfferDeleted');
    assert.equal(f.balance(taker, usd), 15n * XLM);
    assert.equal(f.balance(taker, eur), 100n * XLM - 225_000_000n);
  });

  it('a resting buy offer is a sell offer at the inverse price, capped at the amount to buy', () => {
    const out = f.apply(buy, buyOp(eur, usd, '10', { n: 3, d: 2 }), taker);
    const o = success(out.result).offer().offer();
    assert.equal(o.price().n(), 2);
    assert.equal(o.price().d(), 3);
    assert.equal(o.amount().toString(), String(15n * XLM));
    assert.equal(f.state.getTrustLine(taker, usd)!.buyingLiabilities, 10n * XLM);
  });

  it('updates and deletes an offer, releasing its liabilities and reserve', () => {
    f.apply(sell, sellOp(usd, eur, '100', { n: 3, d: 2 }), seller);
    const up = f.apply(sell, sellOp(usd, eur, '40', { n: 1, d: 1 }, '1'), seller);
    assert.equal(success(up.result).offer().switch().name, 'manageOfferUpdated');
    assert.equal(f.state.getTrustLine(seller, usd)!.sellingLiabilities, 40n * XLM);
    assert.equal(f.state.getTrustLine(seller, eur)!.buyingLiabilities, 40n * XLM);
    const del = f.apply(sell, sellOp(usd, eur, '0', { n: 1, d: 1 }, '1'), seller);
    assert.equal(success(del.result).offer().switch().name, 'manageOfferDeleted');
    assert.equal(f.state.getOffer(1n), undefined);
    assert.equal(f.state.getAccount(seller)!.numSubEntries, 2);
    assert.equal(f.state.getTrustLine(seller, usd)!.sellingLiabilities, 0n);
  });

  it('op_cross_self when the best crossing offer is the source\'s own', () => {
    f.trust(taker, `GBP:${issuer}`);
    f.apply(sell, sellOp(usd, eur, '10', { n: 1, d: 1 }), seller);
    const t = f.state.getTrustLine(seller, eur)!;
    f.state.putTrustLine({ ...t, balance: 10n * XLM });
    const out = f.apply(sell, sellOp(eur, usd, '5', { n: 1, d: 1 }), seller);
    assert.equal(out.code, 'op_cross_self');
    assert.equal(out.result.tr().manageSellOfferResult().switch().name, 'manageSellOfferCrossSelf');
  });

  it('op_exceeded_work_limit past 1000 offers crossed', function () {
    this.timeout(60_000);
    // 1200 offers of 0.05 USD from two sellers (subentries cap at 1000 per account)
    const seller2 = f.account(1000n);
    f.trust(seller2, usd, 100n * XLM);
    f.trust(seller2, eur);
    for (let i = 0; i < 600; i++) {
      f.apply(sell, sellOp(usd, eur, '0.05', { n: 1, d: 1 }), seller);
      f.apply(sell, sellOp(usd, eur, '0.05', { n: 1, d: 1 }), seller2);
    }
    const out = f.apply(sell, sellOp(eur, usd, '60', { n: 1, d: 1 }), taker);
    assert.equal(out.code, 'op_exceeded_work_limit');
    assert.equal(out.result.switch().name, 'opExceededWorkLimit');
    // exactly 1000 offers is within the limit
    const ok = f.apply(sell, sellOp(eur, usd, '50', { n: 1, d: 1 }), taker);
    assert.equal(ok.code, 'op_success');
    assert.equal(success(ok.result).offersClaimed().length, 1000);
  });

  describe('result codes in stellar-core\'s check order', () => {
    it('op_malformed: same assets, zero price, deleting offer 0, negative offer id', () => {
      assert.equal(f.apply(sell, sellOp(usd, usd, '1', { n: 1, d: 1 }), seller).code, 'op_malformed');
      const zeroPrice = sellOp(usd, eur, '1', { n: 1, d: 1 });
      (zeroPrice.body().value() as xdr.ManageSellOfferOp).price(new xdr.Price({ n: 0, d: 1 }));
      assert.equal(f.apply(sell, zeroPrice, seller).code, 'op_malformed');
      assert.equal(f.apply(sell, sellOp(usd, eur, '0', { n: 1, d: 1 }), seller).code, 'op_malformed');
      assert.equal(f.apply(buy, buyOp(usd, eur, '0', { n: 1, d: 1 }), seller).code, 'op_malformed');
    });

    it('op_sell_no_trust and op_buy_no_trust', () => {
      const gbp = `GBP:${issuer}`;
      assert.equal(f.apply(sell, sellOp(gbp, eur, '1', { n: 1, d: 1 }), seller).code, 'op_sell_no_trust');
      assert.equal(f.apply(sell, sellOp(usd, gbp, '1', { n: 1, d: 1 }), seller).code, 'op_buy_no_trust');
    });

    it('op_underfunded for a zero balance, sell_not_authorized, buy_not_authorized', () => {
      assert.equal(f.apply(sell, sellOp(eur, usd, '1', { n: 1, d: 1 }), seller).code, 'op_underfunded');
      const gbp = `GBP:${issuer}`;
      f.trust(seller, gbp, 10n * XLM, 100n * XLM, 0);
      assert.equal(f.apply(sell, sellOp(gbp, eur, '1', { n: 1, d: 1 }), seller).code, 'sell_not_authorized');
      assert.equal(f.apply(sell, sellOp(usd, gbp, '1', { n: 1, d: 1 }), seller).code, 'buy_not_authorized');
      assert.equal(f.apply(buy, buyOp(usd, gbp, '1', { n: 1, d: 1 }), seller).code, 'buy_not_authorized');
    });

    it('op_offer_not_found for an unknown offer or another account\'s offer', () => {
      assert.equal(f.apply(sell, sellOp(usd, eur, '1', { n: 1, d: 1 }, '99'), seller).code, 'op_offer_not_found');
      f.apply(sell, sellOp(usd, eur, '1', { n: 1, d: 1 }), seller);
      assert.equal(f.apply(sell, sellOp(eur, usd, '1', { n: 1, d: 1 }, '1'), taker).code, 'op_offer_not_found');
    });

    it('op_low_reserve when the new offer\'s reserve is not covered', () => {
      const poor = f.account(0n);
      const acc = f.state.getAccount(poor)!;
      // 2 base reserves + 1 trustline = 1.5 XLM exactly: no room for an offer's 0.5
      f.state.putAccount({ ...acc, balance: 15_000_000n });
      f.trust(poor, usd, 10n * XLM);
      assert.equal(f.apply(sell, sellOp(usd, NATIVE, '1', { n: 1, d: 1 }), poor).code, 'op_low_reserve');
    });

    it('op_underfunded when selling liabilities exceed the available balance', () => {
      assert.equal(f.apply(sell, sellOp(usd, eur, '100.0000001', { n: 1, d: 1 }), seller).code, 'op_underfunded');
      f.apply(sell, sellOp(usd, eur, '60', { n: 1, d: 1 }), seller);
      assert.equal(f.apply(sell, sellOp(usd, NATIVE, '41', { n: 1, d: 1 }), seller).code, 'op_underfunded');
    });

    it('op_line_full when buying liabilities do not fit the limit', () => {
      const capped = f.account(1000n);
      f.trust(capped, usd, 0n, 10n * XLM);
      assert.equal(f.apply(sell, sellOp(NATIVE, usd, '11', { n: 1, d: 1 }), capped).code, 'op_line_full');
      assert.equal(f.apply(sell, sellOp(NATIVE, usd, '10', { n: 1, d: 1 }), capped).code, 'op_success');
      assert.equal(f.apply(buy, buyOp(NATIVE, usd, '0.0000001', { n: 1, d: 1 }), capped).code, 'op_line_full');
    });

    it('op_too_many_subentries at 1000 subentries (operation-level result)', () => {
      const acc = f.state.getAccount(seller)!;
      f.state.putAccount({ ...acc, numSubEntries: 1000, balance: 10_000n * XLM });
      const out = f.apply(sell, sellOp(usd, eur, '1', { n: 1, d: 1 }), seller);
      assert.equal(out.code, 'op_too_many_subentries');
      assert.equal(out.result.switch().name, 'opTooManySubentries');
    });

    it('the issuer sells its own asset without a trustline', () => {
      const out = f.apply(sell, sellOp(usd, NATIVE, '1000000', { n: 1, d: 10 }), issuer);
      assert.equal(out.code, 'op_success');
      assert.equal(f.state.getAccount(issuer)!.buyingLiabilities, 100_000n * XLM);
    });
  });

  it('all results round-trip through XDR as the SDK parses them', () => {
    const out = f.apply(sell, sellOp(usd, eur, '1', { n: 1, d: 1 }), seller);
    const back = xdr.OperationResult.fromXDR(out.result.toXDR());
    assert.equal(back.tr().manageSellOfferResult().success().offer().offer().sellerId().ed25519().equals(
      Keypair.fromPublicKey(seller).rawPublicKey()), true);
    assert.equal(AUTHORIZED_FLAG, 1);
  });
});
