/**
 * pathPaymentStrictReceive and pathPaymentStrictSend through the SDK over HTTP
 * (PathPaymentTests.cpp, PathPaymentStrictSendTests.cpp): exact amounts after
 * crossing with the path-payment rounding modes, the offers crossed as the result
 * reports them, what is left on the book, and every result code. Each test builds
 * its own issuer, so books never interfere.
 */
import assert from 'node:assert/strict';
import { Asset, Keypair, Operation, xdr } from '@stellar/stellar-sdk';
import { TestNetwork, startTestNetwork } from '../src/testing';
import {
  FEE, Step, XLM, act, amt, authRequired, authorize, bal, bals, codes, create, keys, offerAmount, ok, opResult,
  pathClaims, pay, sell, setup, trust,
} from './dex-helpers';

const native = Asset.native();
const P = (n: number, d: number): { n: number; d: number } => ({ n, d });
const amount = (a: string | bigint): string => (typeof a === 'bigint' ? amt(a) : a);

const receive = (k: Keypair, sendAsset: Asset, sendMax: string | bigint, to: Keypair | string, destAsset: Asset, destAmount: string | bigint, path: Asset[] = []): Step => ({
  by: k,
  op: Operation.pathPaymentStrictReceive({
    sendAsset, sendMax: amount(sendMax), destination: typeof to === 'string' ? to : to.publicKey(), destAsset,
    destAmount: amount(destAmount), path, source: k.publicKey(),
  }),
});

const send = (k: Keypair, sendAsset: Asset, sendAmount: string | bigint, to: Keypair | string, destAsset: Asset, destMin: string | bigint, path: Asset[] = []): Step => ({
  by: k,
  op: Operation.pathPaymentStrictSend({
    sendAsset, sendAmount: amount(sendAmount), destination: typeof to === 'string' ? to : to.publicKey(), destAsset,
    destMin: amount(destMin), path, source: k.publicKey(),
  }),
});

/**
 * stellar-core's "rounding errors" book (PathPaymentTests / PathPaymentStrictSendTests):
 * a seller offering 145,000,000 CNY for XLM at 2000/29.
 */
async function cnyBook(net: TestNetwork) {
  const [issuer, source, destination, seller] = keys(4);
  const cny = new Asset('CNY', issuer.publicKey());
  await setup(net, [
    create(issuer, 5_999_999_400n), create(source, 1_989_999_000n), create(destination, 499_999_700n), create(seller, 20_999_999_300n),
    trust(destination, cny), trust(seller, cny, 1_000_000_000_000n), pay(issuer, seller, cny, 1_700_000_000n),
  ]);
  const offer = (await ok(net, seller, sell(seller, cny, native, 145_000_000n, P(2000, 29)))).offerResults[0].currentOffer!.offerId;
  return { source, destination, seller, cny, offer };
}

describe('devnet path payments over HTTP (PathPaymentTests.cpp, PathPaymentStrictSendTests.cpp)', function () {
  this.timeout(60_000);
  let net: TestNetwork;
  before(async () => { net = await startTestNetwork(); });
  after(async () => { await net?.close(); });

  /** mm sells 100 EUR at 3/2 USD; alice holds 100 USD and trusts EUR; bob trusts both. */
  async function market() {
    const [issuer, mm, alice, bob] = keys(4);
    const usd = new Asset('USD', issuer.publicKey());
    const eur = new Asset('EUR', issuer.publicKey());
    const gbp = new Asset('GBP', issuer.publicKey());
    await setup(net, [
      create(issuer), create(mm), create(alice), create(bob),
      trust(mm, usd), trust(mm, eur), trust(alice, usd), trust(alice, eur), trust(bob, eur), trust(bob, usd),
      pay(issuer, mm, eur, '1000'), pay(issuer, alice, usd, '100'),
    ]);
    const offer = (await ok(net, mm, sell(mm, eur, usd, '100', P(3, 2)))).offerResults[0].currentOffer!.offerId;
    return { issuer, mm, alice, bob, usd, eur, gbp, offer };
  }

  /** The chain of PathPaymentTests: source → mm12 (cur2 for cur1) → mm23 → mm34 → destination, limits `limit`. */
  async function chain(limit: bigint) {
    const [gateway, source, destination, mm12, mm23, mm34] = keys(6);
    const [cur1, cur2, cur3, cur4] = ['CUR1', 'CUR2', 'CUR3', 'CUR4'].map((c) => new Asset(c, gateway.publicKey()));
    await setup(net, [
      create(gateway), create(source), create(destination), create(mm12), create(mm23), create(mm34),
      trust(source, cur1, limit), trust(mm12, cur1, limit), trust(mm12, cur2, limit), trust(mm23, cur2, limit),
      trust(mm23, cur3, limit), trust(mm34, cur3, limit), trust(mm34, cur4, limit), trust(destination, cur4, limit),
    ]);
    return { gateway, source, destination, mm12, mm23, mm34, cur1, cur2, cur3, cur4 };
  }

  describe('strict receive', () => {
    it('delivers exactly destAmount, the source pays the book price', async () => {
      const { mm, alice, bob, usd, eur, offer } = await market();
      const out = await ok(net, alice, receive(alice, usd, '20', bob, eur, '10'));
      assert.equal(await bal(net, bob, eur), 10n * XLM);
      assert.equal(await bal(net, alice, usd), 85n * XLM);
      assert.equal(await bal(net, mm, usd), 15n * XLM);
      assert.equal(await offerAmount(net, offer), 90n * XLM);
      const s = opResult(out).tr().pathPaymentStrictReceiveResult().success();
      assert.equal(s.last().amount().toString(), String(10n * XLM));
      assert.deepEqual(pathClaims(out), [[offer, 10n * XLM, 15n * XLM]]);
      const effects = (await net.server.effects().forTransaction(out.hash).call()).records as unknown as Record<string, unknown>[];
      assert.deepEqual(effects.slice(0, 2).map((e) => [e.type, e.account, e.amount]), [
        ['account_credited', bob.publicKey(), '10.0000000'], ['account_debited', alice.publicKey(), '15.0000000'],
      ]);
      const [op] = (await net.server.operations().forTransaction(out.hash).call()).records as unknown as Record<string, unknown>[];
      assert.deepEqual([op.type, op.amount, op.source_amount, op.source_max], ['path_payment_strict_receive', '10.0000000', '15.0000000', '20.0000000']);
      const trades = (await net.server.trades().forAccount(mm.publicKey()).call()).records;
      assert.equal(trades.length, 1);
    });

    it('one stroop at 3/2 costs ceil(1.5) = 2 stroops', async () => {
      const { alice, bob, usd, eur } = await market();
      await ok(net, alice, receive(alice, usd, '1', bob, eur, 1n));
      assert.equal(await bal(net, alice, usd), 100n * XLM - 2n);
      assert.equal(await bal(net, bob, eur), 1n);
    });

    it('op_over_source_max when the path costs more than sendMax, and nothing moves', async () => {
      const { alice, bob, usd, eur } = await market();
      const out = await act(net, alice, receive(alice, usd, '14.9999999', bob, eur, '10'));
      assert.deepEqual([out.transaction, out.operations], ['tx_failed', ['op_over_source_max']]);
      assert.equal(opResult(out).tr().pathPaymentStrictReceiveResult().switch().name, 'pathPaymentStrictReceiveOverSendmax');
      assert.equal(await bal(net, bob, eur), 0n, 'rolled back');
      assert.equal(await bal(net, alice, usd), 100n * XLM);
    });

    it('op_too_few_offers when the book cannot deliver destAmount', async () => {
      const { alice, bob, usd, eur } = await market();
      assert.deepEqual(await codes(net, alice, receive(alice, usd, '1000', bob, eur, '100.0000001')), ['op_too_few_offers']);
      assert.deepEqual(await codes(net, alice, receive(alice, native, '1000', bob, eur, '1')), ['op_too_few_offers']);
    });

    it('two hops through XLM, offers reported source side first', async () => {
      const { mm, alice, bob, usd, eur } = await market();
      // mm2 sells XLM for USD at 1/2 USD per XLM; mm sells EUR for XLM at 2 XLM per EUR
      const mm2 = Keypair.random();
      await setup(net, [create(mm2), trust(mm2, usd)]);
      const o1 = (await ok(net, mm2, sell(mm2, native, usd, '100', P(1, 2)))).offerResults[0].currentOffer!.offerId;
      const o2 = (await ok(net, mm, sell(mm, eur, native, '50', P(2, 1)))).offerResults[0].currentOffer!.offerId;
      const out = await ok(net, alice, receive(alice, usd, '10', bob, eur, '10', [native]));
      assert.equal(await bal(net, alice, usd), 90n * XLM);
      assert.equal(await bal(net, bob, eur), 10n * XLM);
      assert.deepEqual(pathClaims(out), [[o1, 20n * XLM, 10n * XLM], [o2, 10n * XLM, 20n * XLM]]);
      const [op] = (await net.server.operations().forTransaction(out.hash).call()).records as unknown as Record<string, unknown>[];
      assert.deepEqual(op.path, [{ asset_type: 'native' }]);
    });

    it('op_cross_self when the path reaches the source\'s own offer', async () => {
      const { issuer, alice, bob, usd, eur } = await market();
      await setup(net, [pay(issuer, alice, eur, '10')]);
      // alice's own EUR offer at a better price than mm's
      await ok(net, alice, sell(alice, eur, usd, '5', P(1, 1)));
      const out = await act(net, alice, receive(alice, usd, '20', bob, eur, '1'));
      assert.deepEqual(out.operations, ['op_cross_self']);
      assert.equal(opResult(out).tr().pathPaymentStrictReceiveResult().switch().name, 'pathPaymentStrictReceiveOfferCrossSelf');
    });

    it('destination checks come before the source\'s, conversion before the source debit', async () => {
      const { issuer, alice, bob, eur, gbp } = await market();
      const [stranger, s2, s3] = keys(3);
      await setup(net, [create(stranger, '10'), create(s2, '10'), create(s3, '10'), trust(s2, eur, '5')]);
      assert.deepEqual(await codes(net, stranger, receive(stranger, eur, '1', Keypair.random(), eur, '1')), ['op_no_destination']);
      assert.deepEqual(await codes(net, alice, receive(alice, eur, '1', stranger, eur, '1')), ['op_no_trust']);
      // from now on EUR needs authorization: the stranger's new trustline is not authorized
      await setup(net, [authRequired(issuer), trust(stranger, eur, '5')]);
      assert.deepEqual(await codes(net, bob, receive(bob, eur, '1', stranger, eur, '1')), ['op_not_authorized']);
      assert.deepEqual(await codes(net, bob, receive(bob, eur, '1', s2, eur, '6')), ['op_line_full']);
      // conversion comes before the source debit: a missing book fails first
      assert.deepEqual(await codes(net, alice, receive(alice, gbp, '1', bob, eur, '1')), ['op_too_few_offers']);
      assert.deepEqual(await codes(net, s3, receive(s3, eur, '1', bob, eur, '1')), ['op_src_no_trust']);
      assert.deepEqual(await codes(net, alice, receive(alice, eur, '1', bob, eur, '1')), ['op_underfunded']);
    });

    it('op_malformed for a non-positive sendMax', async () => {
      const { alice, bob, usd, eur } = await market();
      const step = receive(alice, usd, '1', bob, eur, '1');
      (step.op.body().value() as xdr.PathPaymentStrictReceiveOp).sendMax(xdr.Int64.fromString('0'));
      assert.deepEqual(await codes(net, alice, step), ['op_malformed']);
    });

    it('op_exceeded_work_limit is shared across hops; exactly 1000 offers is within it', async () => {
      const { mm, alice, bob, usd, eur } = await market();
      const [mm2, mm3] = keys(2);
      await setup(net, [create(mm2), create(mm3), trust(mm2, usd), trust(mm3, usd)]);
      // 1200 tiny XLM offers for USD, and a deep EUR/XLM book of 600 offers
      const book: Step[] = [];
      for (let i = 0; i < 600; i++) {
        book.push(sell(mm2, native, usd, '0.01', P(1, 1)), sell(mm3, native, usd, '0.01', P(1, 1)), sell(mm, eur, native, '0.01', P(1, 1)));
      }
      await setup(net, book);
      // 5.01 EUR needs 501 EUR offers then 501 XLM offers: 1002 crossed in all
      const over = await act(net, alice, receive(alice, usd, '100', bob, eur, '5.01', [native]));
      assert.deepEqual(over.operations, ['op_exceeded_work_limit']);
      assert.equal(opResult(over).switch().name, 'opExceededWorkLimit');
      // 5 EUR needs exactly 1000
      const within = await ok(net, alice, receive(alice, usd, '100', bob, eur, '5', [native]));
      assert.equal(pathClaims(within).length, 1000);
      assert.equal(await bal(net, bob, eur), 5n * XLM);
    });

    it('"path payment with rounding errors": 20000000 CNY at 2000/29 cost ceil = 1379310345 stroops of XLM', async () => {
      const { source, destination, seller, cny, offer } = await cnyBook(net);
      const out = await ok(net, source, receive(source, native, 1_382_068_965n, destination, cny, 20_000_000n));
      assert.deepEqual(pathClaims(out), [[offer, 20_000_000n, 1_379_310_345n]]);
      assert.equal(await offerAmount(net, offer), 145_000_000n - 20_000_000n);
      assert.equal(await bal(net, source, native), 1_989_999_000n - FEE - 1_379_310_345n);
      assert.equal(await bal(net, seller, cny), 1_680_000_000n);
      assert.equal(await bal(net, destination, cny), 20_000_000n);
    });

    it('too few offers for the last exchange leaves every balance as it was', async () => {
      const c = await chain(20n);
      await setup(net, [pay(c.gateway, c.source, c.cur1, 10n), pay(c.gateway, c.mm12, c.cur2, 10n), pay(c.gateway, c.mm23, c.cur3, 10n), pay(c.gateway, c.mm34, c.cur4, 10n)]);
      await setup(net, [sell(c.mm12, c.cur2, c.cur1, 9n, P(1, 1)), sell(c.mm23, c.cur3, c.cur2, 10n, P(1, 1)), sell(c.mm34, c.cur4, c.cur3, 10n, P(1, 1))]);
      const path = [c.cur1, c.cur2, c.cur3, c.cur4];
      assert.deepEqual(await codes(net, c.source, receive(c.source, c.cur1, 10n, c.destination, c.cur4, 10n, path)), ['op_too_few_offers']);
      assert.deepEqual(await bals(net, c.source, c.cur1), [10n]);
      assert.deepEqual(await bals(net, c.mm12, c.cur1, c.cur2), [0n, 10n]);
      assert.deepEqual(await bals(net, c.destination, c.cur4), [0n]);
    });

    it('crossing the source\'s own offer in the middle exchange is op_cross_self; a better offer first is fine', async () => {
      const c = await chain(30n);
      await setup(net, [trust(c.source, c.cur2, 30n), trust(c.source, c.cur3, 30n)]);
      await setup(net, [pay(c.gateway, c.source, c.cur1, 10n), pay(c.gateway, c.mm12, c.cur2, 10n), pay(c.gateway, c.source, c.cur3, 10n), pay(c.gateway, c.mm34, c.cur4, 10n)]);
      await setup(net, [sell(c.mm12, c.cur2, c.cur1, 10n, P(1, 1)), sell(c.source, c.cur3, c.cur2, 10n, P(1, 1)), sell(c.mm34, c.cur4, c.cur3, 10n, P(1, 1))]);
      const path = [c.cur1, c.cur2, c.cur3, c.cur4];
      const out = await act(net, c.source, receive(c.source, c.cur1, 10n, c.destination, c.cur4, 10n, path));
      assert.deepEqual(out.operations, ['op_cross_self']);
      assert.deepEqual(await bals(net, c.source, c.cur1, c.cur3), [10n, 10n]);
      // "does not cross own offer if better is available": mm23's offer at 1/1 beats the source's
      await setup(net, [pay(c.gateway, c.mm23, c.cur3, 10n)]);
      const mine = (await net.server.offers().forAccount(c.source.publicKey()).call()).records[0].id;
      await ok(net, c.source, sell(c.source, c.cur3, c.cur2, 10n, P(100, 99), String(mine)));
      const o2 = (await ok(net, c.mm23, sell(c.mm23, c.cur3, c.cur2, 10n, P(1, 1)))).offerResults[0].currentOffer!.offerId;
      const done = await ok(net, c.source, receive(c.source, c.cur1, 10n, c.destination, c.cur4, 10n, path));
      assert.deepEqual(pathClaims(done).map((x) => x.slice(1)), [[10n, 10n], [10n, 10n], [10n, 10n]]);
      assert.equal(pathClaims(done)[1][0], o2);
      assert.deepEqual(await bals(net, c.destination, c.cur4), [10n]);
      assert.deepEqual(await bals(net, c.source, c.cur1, c.cur2, c.cur3), [0n, 0n, 10n]);
    });

    it('op_over_source_max with a real path (3 hops at 2/1 need 80 for 10)', async () => {
      const c = await chain(200n);
      await setup(net, [pay(c.gateway, c.source, c.cur1, 80n), pay(c.gateway, c.mm12, c.cur2, 40n), pay(c.gateway, c.mm23, c.cur3, 20n), pay(c.gateway, c.mm34, c.cur4, 10n)]);
      await setup(net, [sell(c.mm12, c.cur2, c.cur1, 40n, P(2, 1)), sell(c.mm23, c.cur3, c.cur2, 20n, P(2, 1)), sell(c.mm34, c.cur4, c.cur3, 10n, P(2, 1))]);
      const path = [c.cur1, c.cur2, c.cur3, c.cur4];
      assert.deepEqual(await codes(net, c.source, receive(c.source, c.cur1, 10n, c.destination, c.cur4, 10n, path)), ['op_over_source_max']);
      assert.deepEqual(await bals(net, c.source, c.cur1), [80n]);
      // with sendMax 80 it goes through, every offer taken whole
      const out = await ok(net, c.source, receive(c.source, c.cur1, 80n, c.destination, c.cur4, 10n, path));
      assert.deepEqual(pathClaims(out).map((x) => x.slice(1)), [[40n, 80n], [20n, 40n], [10n, 20n]]);
      assert.deepEqual(await bals(net, c.source, c.cur1), [0n]);
      assert.deepEqual(await bals(net, c.destination, c.cur4), [10n]);
    });

    it('XLM over sendMax is op_over_source_max; paying oneself an asset over the limit is op_line_full', async () => {
      const [issuer, account] = keys(2);
      const idr = new Asset('IDR', issuer.publicKey());
      await setup(net, [create(issuer), create(account), trust(account, idr, 20n), pay(issuer, account, idr, 19n)]);
      assert.deepEqual(await codes(net, account, receive(account, native, 10n, issuer, native, 11n)), ['op_over_source_max']);
      assert.deepEqual(await codes(net, account, receive(account, idr, 2n, account, idr, 2n)), ['op_line_full']);
      assert.equal(await bal(net, account, idr), 19n);
      await ok(net, account, receive(account, idr, 1n, account, idr, 1n));
      assert.equal(await bal(net, account, idr), 19n);
    });
  });

  describe('strict send', () => {
    it('spends exactly sendAmount; the book offer keeps the rounding', async () => {
      const { alice, bob, usd, eur } = await market();
      const out = await ok(net, alice, send(alice, usd, '15', bob, eur, '10'));
      assert.equal(await bal(net, alice, usd), 85n * XLM);
      assert.equal(await bal(net, bob, eur), 10n * XLM);
      const [op] = (await net.server.operations().forTransaction(out.hash).call()).records as unknown as Record<string, unknown>[];
      assert.deepEqual([op.type, op.amount, op.source_amount, op.destination_min], ['path_payment_strict_send', '10.0000000', '15.0000000', '10.0000000']);
      assert.equal(opResult(out).tr().pathPaymentStrictSendResult().success().last().amount().toString(), String(10n * XLM));
    });

    it('two stroops at 3/2 buy floor(4/3) = 1 stroop; one stroop buys nothing (op_under_dest_min)', async () => {
      const { alice, bob, usd, eur } = await market();
      await ok(net, alice, send(alice, usd, 2n, bob, eur, 1n));
      assert.equal(await bal(net, bob, eur), 1n);
      assert.equal(await bal(net, alice, usd), 100n * XLM - 2n);
      const out = await act(net, alice, send(alice, usd, 1n, bob, eur, 1n));
      assert.deepEqual(out.operations, ['op_under_dest_min']);
      assert.equal(opResult(out).tr().pathPaymentStrictSendResult().switch().name, 'pathPaymentStrictSendUnderDestmin');
    });

    it('op_under_dest_min and op_too_few_offers', async () => {
      const { issuer, alice, bob, usd, eur } = await market();
      assert.deepEqual(await codes(net, alice, send(alice, usd, '15', bob, eur, '10.0000001')), ['op_under_dest_min']);
      const rich = Keypair.random();
      await setup(net, [create(rich), trust(rich, usd, '1000'), pay(issuer, rich, usd, '1000')]);
      assert.deepEqual(await codes(net, rich, send(rich, usd, '150.0000001', bob, eur, '1')), ['op_too_few_offers']);
    });

    it('source checks come first: op_underfunded, op_src_not_authorized', async () => {
      const { issuer, alice, bob, usd, eur } = await market();
      assert.deepEqual(await codes(net, alice, send(alice, usd, '100.0000001', bob, eur, '1')), ['op_underfunded']);
      await setup(net, [authRequired(issuer), authorize(issuer, alice, usd, 'none')]);
      assert.deepEqual(await codes(net, alice, send(alice, usd, '1', bob, eur, '1')), ['op_src_not_authorized']);
    });

    it('the issuer mints into a path and the destination may be the issuer', async () => {
      const { issuer, bob, usd, eur } = await market();
      await ok(net, issuer, send(issuer, usd, '3', bob, eur, '2'));
      assert.equal(await bal(net, bob, eur), 2n * XLM);
      await ok(net, bob, send(bob, eur, '1', issuer, eur, '1'));
      assert.equal(await bal(net, bob, eur), XLM);
    });

    it('"with rounding errors": 1382068965 stroops of XLM at 2000/29 buy floor = 20039999 CNY', async () => {
      const { source, destination, seller, cny, offer } = await cnyBook(net);
      const out = await ok(net, source, send(source, native, 1_382_068_965n, destination, cny, 20_039_999n));
      assert.deepEqual(pathClaims(out), [[offer, 20_039_999n, 1_382_068_965n]]);
      assert.equal(await offerAmount(net, offer), 145_000_000n - 20_039_999n);
      assert.equal(await bal(net, source, native), 1_989_999_000n - FEE - 1_382_068_965n);
      assert.equal(await bal(net, seller, cny), 1_700_000_000n - 20_039_999n);
      assert.equal(await bal(net, destination, cny), 20_039_999n);
    });

    it('"uses all offers in a loop": 1280 CUR1 around CUR1→CUR2→CUR3→CUR4→CUR1→CUR2→CUR3 deliver 20 CUR3', async () => {
      // stellar-core's loop has 6 path assets; on the wire a path holds at most 5, so it stops one hop earlier
      const c = await chain(16_000n);
      const mm41 = Keypair.random();
      await setup(net, [create(mm41), trust(mm41, c.cur4, 16_000n), trust(mm41, c.cur1, 16_000n), trust(c.destination, c.cur3, 16_000n)]);
      await setup(net, [
        pay(c.gateway, c.source, c.cur1, 8000n), pay(c.gateway, c.mm12, c.cur2, 8000n), pay(c.gateway, c.mm23, c.cur3, 8000n),
        pay(c.gateway, c.mm34, c.cur4, 8000n), pay(c.gateway, mm41, c.cur1, 8000n),
      ]);
      const ids: string[] = [];
      for (const [k, s, b] of [[c.mm12, c.cur2, c.cur1], [c.mm23, c.cur3, c.cur2], [c.mm34, c.cur4, c.cur3], [mm41, c.cur1, c.cur4]] as const) {
        ids.push((await ok(net, k, sell(k, s, b, 1000n, P(2, 1)))).offerResults[0].currentOffer!.offerId);
      }
      const out = await ok(net, c.source, send(c.source, c.cur1, 1280n, c.destination, c.cur3, 20n, [c.cur2, c.cur3, c.cur4, c.cur1, c.cur2]));
      assert.deepEqual(pathClaims(out), [
        [ids[0], 640n, 1280n], [ids[1], 320n, 640n], [ids[2], 160n, 320n], [ids[3], 80n, 160n],
        [ids[0], 40n, 80n], [ids[1], 20n, 40n],
      ]);
      assert.deepEqual(await Promise.all(ids.map((id) => offerAmount(net, id))), [320n, 660n, 840n, 920n]);
      assert.deepEqual(await bals(net, c.source, c.cur1), [6720n]);
      assert.deepEqual(await bals(net, c.mm12, c.cur1, c.cur2), [1360n, 7320n]);
      assert.deepEqual(await bals(net, c.mm23, c.cur2, c.cur3), [680n, 7660n]);
      assert.deepEqual(await bals(net, c.mm34, c.cur3, c.cur4), [320n, 7840n]);
      assert.deepEqual(await bals(net, mm41, c.cur1, c.cur4), [7920n, 160n]);
      assert.deepEqual(await bals(net, c.destination, c.cur3), [20n]);
    });

    it('op_under_dest_min with a real path (10 at 2/1 thrice gives 1)', async () => {
      const c = await chain(200n);
      await setup(net, [pay(c.gateway, c.source, c.cur1, 80n), pay(c.gateway, c.mm12, c.cur2, 40n), pay(c.gateway, c.mm23, c.cur3, 20n), pay(c.gateway, c.mm34, c.cur4, 10n)]);
      await setup(net, [sell(c.mm12, c.cur2, c.cur1, 40n, P(2, 1)), sell(c.mm23, c.cur3, c.cur2, 20n, P(2, 1)), sell(c.mm34, c.cur4, c.cur3, 10n, P(2, 1))]);
      const path = [c.cur1, c.cur2, c.cur3, c.cur4];
      assert.deepEqual(await codes(net, c.source, send(c.source, c.cur1, 10n, c.destination, c.cur4, 10n, path)), ['op_under_dest_min']);
      assert.deepEqual(await bals(net, c.source, c.cur1), [80n]);
      assert.deepEqual(await bals(net, c.mm34, c.cur4), [10n]);
    });

    describe('"rounding": offers of 3 and 6 CUR2 at 5/3 CUR1', () => {
      async function rounding(sourceLimit: bigint, sourceHas: bigint, offersOf: bigint[]) {
        const [gateway, source, mm, destination] = keys(4);
        const [cur1, cur2] = ['CUR1', 'CUR2'].map((c) => new Asset(c, gateway.publicKey()));
        await setup(net, [
          create(gateway), create(source), create(mm), create(destination),
          trust(source, cur1, sourceLimit), trust(mm, cur1, 2000n), trust(mm, cur2, 2000n), trust(destination, cur2, 2000n),
          pay(gateway, source, cur1, sourceHas), pay(gateway, mm, cur2, 2000n),
        ]);
        const ids = [];
        for (const a of offersOf) ids.push((await ok(net, mm, sell(mm, cur2, cur1, a, P(5, 3)))).offerResults[0].currentOffer!.offerId);
        return { source, mm, destination, cur1, cur2, ids };
      }

      it('exchangeV10 recalculates sheepValue: 1 offer, 3 CUR1 buy 1 CUR2 and take the offer', async () => {
        const r = await rounding(3n, 3n, [3n]);
        await ok(net, r.source, send(r.source, r.cur1, 3n, r.destination, r.cur2, 1n));
        assert.equal(await offerAmount(net, r.ids[0]), null);
        assert.deepEqual(await bals(net, r.source, r.cur1), [0n]);
        assert.deepEqual(await bals(net, r.mm, r.cur1, r.cur2), [3n, 1999n]);
        assert.deepEqual(await bals(net, r.destination, r.cur2), [1n]);
      });

      it('exchangeV10 recalculates sheepValue: 2 offers, 8 CUR1 buy 4 CUR2', async () => {
        const r = await rounding(100n, 100n, [3n, 6n]);
        await ok(net, r.source, send(r.source, r.cur1, 8n, r.destination, r.cur2, 1n));
        assert.deepEqual(await Promise.all(r.ids.map((id) => offerAmount(net, id))), [null, null]);
        assert.deepEqual(await bals(net, r.source, r.cur1), [92n]);
        assert.deepEqual(await bals(net, r.mm, r.cur1, r.cur2), [8n, 1996n]);
        assert.deepEqual(await bals(net, r.destination, r.cur2), [4n]);
      });

      it('send some, receive nothing: the last claim sells 0 for 1', async () => {
        const r = await rounding(100n, 100n, [3n, 6n]);
        const out = await ok(net, r.source, send(r.source, r.cur1, 6n, r.destination, r.cur2, 1n));
        const claimed = pathClaims(out);
        assert.deepEqual(claimed[claimed.length - 1], [r.ids[1], 0n, 1n]);
        assert.deepEqual(await Promise.all(r.ids.map((id) => offerAmount(net, id))), [null, 6n]);
        assert.deepEqual(await bals(net, r.source, r.cur1), [94n]);
        assert.deepEqual(await bals(net, r.mm, r.cur1, r.cur2), [6n, 1997n]);
        assert.deepEqual(await bals(net, r.destination, r.cur2), [3n]);
      });
    });

    it('to oneself over the limit succeeds: the debit comes before the credit', async () => {
      const [issuer, account] = keys(2);
      const idr = new Asset('IDR', issuer.publicKey());
      await setup(net, [create(issuer), create(account), trust(account, idr, 20n), pay(issuer, account, idr, 19n)]);
      await ok(net, account, send(account, idr, 2n, account, idr, 2n));
      assert.equal(await bal(net, account, idr), 19n);
    });

    it('"liabilities": cannot pay below selling liabilities (op_underfunded), nor receive past the limit (op_line_full)', async () => {
      const [gateway, source, destination, mm12] = keys(4);
      const [cur1, cur2] = ['CUR1', 'CUR2'].map((c) => new Asset(c, gateway.publicKey()));
      await setup(net, [
        create(gateway), create(source), create(destination), create(mm12),
        trust(source, cur1, 200n), trust(mm12, cur1, 200n), trust(mm12, cur2, 200n), trust(destination, cur2, 200n),
        pay(gateway, source, cur1, 100n), pay(gateway, mm12, cur2, 100n), pay(gateway, destination, cur2, 100n),
      ]);
      await setup(net, [
        sell(source, cur1, native, 50n, P(1, 1)), sell(destination, native, cur2, 50n, P(1, 1)), sell(mm12, cur2, cur1, 100n, P(1, 1)),
      ]);
      assert.deepEqual(await codes(net, source, send(source, cur1, 51n, destination, cur2, 51n, [cur1, cur2])), ['op_underfunded']);
      // destination: balance 100 + buying liabilities 50 leave room for 50 only
      await ok(net, source, send(source, cur1, 50n, destination, cur2, 50n, [cur1, cur2]));
      assert.deepEqual(await bals(net, destination, cur2), [150n]);
      await setup(net, [pay(gateway, source, cur1, 1n)]);
      assert.deepEqual(await codes(net, source, send(source, cur1, 1n, destination, cur2, 1n, [cur1, cur2])), ['op_line_full']);
    });
  });

  describe('quotes from /paths settle as quoted', () => {
    let usd: Asset;
    let eur: Asset;
    let alice: Keypair;
    let bob: Keypair;
    let mm: Keypair;
    before(async () => {
      const [issuer, m, a, b] = keys(4);
      [mm, alice, bob] = [m, a, b];
      usd = new Asset('USD', issuer.publicKey());
      eur = new Asset('EUR', issuer.publicKey());
      await setup(net, [
        create(issuer), create(mm), create(alice), create(bob),
        trust(mm, usd), trust(mm, eur), trust(alice, usd), trust(bob, eur),
        pay(issuer, mm, eur, '1000'), pay(issuer, alice, usd, '100'),
        // USD → XLM at 0.5 USD per XLM, XLM → EUR at 2 XLM per EUR, and USD → EUR directly at 3/2
        sell(mm, native, usd, '300', P(1, 2)), sell(mm, eur, native, '100', P(2, 1)), sell(mm, eur, usd, '100', P(3, 2)),
      ]);
    });

    it('strict receive through XLM delivers exactly and debits the quoted amount', async () => {
      const quote = await net.server.strictReceivePaths([usd], eur, '10').call();
      const best = quote.records[0];
      assert.equal(best.source_amount, '10.0000000');
      assert.deepEqual(best.path.map((p) => p.asset_type), ['native']);
      await ok(net, alice, receive(alice, usd, best.source_amount, bob, eur, '10', [native]));
      assert.equal(await bal(net, alice, usd), 90n * XLM);
      assert.equal(await bal(net, bob, eur), 10n * XLM);
    });

    it('strict send through XLM credits what the quote said', async () => {
      const quote = await net.server.strictSendPaths(usd, '3.3333333', [eur]).call();
      const best = quote.records[0];
      const path = best.path.map((p) => (p.asset_type === 'native' ? native : new Asset(p.asset_code, p.asset_issuer)));
      await ok(net, alice, send(alice, usd, '3.3333333', bob, eur, best.destination_amount, path));
      assert.equal(await bal(net, alice, usd), 866_666_667n);
      assert.equal(await bal(net, bob, eur), 10n * XLM + BigInt(Math.round(Number(best.destination_amount) * 1e7)));
    });

    it('failures carry Horizon\'s codes: op_over_source_max, op_under_dest_min, op_too_few_offers, op_no_trust', async () => {
      assert.deepEqual(await codes(net, alice, receive(alice, usd, '1', bob, eur, '10', [native])), ['op_over_source_max']);
      assert.deepEqual(await codes(net, alice, send(alice, usd, '1', bob, eur, '5')), ['op_under_dest_min']);
      assert.deepEqual(await codes(net, alice, receive(alice, usd, '10000', bob, eur, '5000')), ['op_too_few_offers']);
      assert.deepEqual(await codes(net, alice, pay(alice, bob, usd, '1')), ['op_no_trust']);
    });

    it('trades are recorded for the crossed offers', async () => {
      const trades = await net.server.trades().forAccount(mm.publicKey()).call();
      assert.ok(trades.records.length >= 3);
    });
  });
});
