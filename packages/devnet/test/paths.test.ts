/**
 * Path finding through the SDK over HTTP (Horizon's /paths/strict-send and
 * /paths/strict-receive, after exp/orderbook/search.go): the paths found, their
 * order and limits, the source and destination account variants, and that a
 * quoted path settles exactly when submitted as a path payment.
 */
import assert from 'node:assert/strict';
import { Asset, Horizon, Keypair, Operation } from '@stellar/stellar-sdk';
import { TestNetwork, startTestNetwork } from '../src/testing';
import { XLM, bal, create, keys, ok, pay, sell, setup, st, trust } from './dex-helpers';

const native = Asset.native();
const P = (n: number, d: number): { n: number; d: number } => ({ n, d });

type PathRecord = Horizon.ServerApi.PaymentPathRecord;
const code = (type: string, c?: string): string => (type === 'native' ? 'XLM' : c!);
const pathCodes = (r: PathRecord): string[] => r.path.map((p) => code(p.asset_type, p.asset_code));
const toAsset = (p: { asset_type: string; asset_code?: string; asset_issuer?: string }): Asset =>
  (p.asset_type === 'native' ? native : new Asset(p.asset_code!, p.asset_issuer!));

describe('devnet path finding over HTTP (exp/orderbook/search.go)', function () {
  this.timeout(30_000);
  let net: TestNetwork;
  before(async () => { net = await startTestNetwork(); });
  after(async () => { await net?.close(); });

  /**
   * EUR can be bought for USD directly (3/2) or through XLM (2 XLM/EUR, 0.5 USD/XLM ⇒ 1 USD/EUR);
   * GBP for EUR at 1/1. alice trusts USD; bob trusts EUR and GBP. A fresh issuer each time.
   */
  async function book() {
    const [issuer, alice, bob] = keys(3);
    const [usd, eur, gbp] = ['USD', 'EUR', 'GBP'].map((c) => new Asset(c, issuer.publicKey()));
    await setup(net, [
      create(issuer), create(alice), create(bob), trust(alice, usd), trust(bob, eur), trust(bob, gbp),
      sell(issuer, eur, usd, '100', P(3, 2)), sell(issuer, eur, native, '100', P(2, 1)),
      sell(issuer, native, usd, '300', P(1, 2)), sell(issuer, gbp, eur, '100', P(1, 1)),
    ]);
    return { issuer, alice, bob, usd, eur, gbp };
  }

  it('strict receive finds the direct and the two-hop path, cheapest first', async () => {
    const { usd, eur } = await book();
    const { records } = await net.server.strictReceivePaths([usd], eur, '10').call();
    assert.deepEqual(records.map((r) => [r.source_asset_code, r.source_amount, pathCodes(r), r.destination_amount]), [
      ['USD', '10.0000000', ['XLM'], '10.0000000'],
      ['USD', '15.0000000', [], '10.0000000'],
    ]);
  });

  it('strict send finds every reachable destination asset, most received first', async () => {
    const { usd, eur, gbp } = await book();
    const { records } = await net.server.strictSendPaths(usd, '15', [eur, gbp]).call();
    assert.deepEqual(records.map((r) => [r.destination_asset_code, r.destination_amount, pathCodes(r)]), [
      ['EUR', '15.0000000', ['XLM']],
      ['EUR', '10.0000000', []],
      ['GBP', '15.0000000', ['XLM', 'EUR']],
      ['GBP', '10.0000000', ['EUR']],
    ]);
  });

  it('respects the default maximum path length of 3 hops', async () => {
    const issuer = Keypair.random();
    const h = [0, 1, 2, 3, 4].map((i) => new Asset(`H${i}`, issuer.publicKey()));
    // H0 → H1 → H2 → H3 → H4, one offer per hop at 1/1
    await setup(net, [create(issuer), ...[0, 1, 2, 3].map((i) => sell(issuer, h[i + 1], h[i], '100', P(1, 1)))]);
    const three = await net.server.strictSendPaths(h[0], '1', [h[3]]).call();
    assert.deepEqual(three.records.map(pathCodes), [['H1', 'H2']]);
    const four = await net.server.strictSendPaths(h[0], '1', [h[4]]).call();
    assert.deepEqual(four.records, []);
    const back = await net.server.strictReceivePaths([h[0]], h[4], '1').call();
    assert.deepEqual(back.records, []);
  });

  it('uses a destination account\'s trustlines, and a source account\'s balances', async () => {
    const { issuer, alice, bob, usd, eur } = await book();
    const toBob = await net.server.strictSendPaths(usd, '15', bob.publicKey()).call();
    const ends = new Set(toBob.records.map((r) => code(r.destination_asset_type, r.destination_asset_code)));
    assert.deepEqual([...ends].sort(), ['EUR', 'GBP', 'XLM']);
    // alice holds no USD yet: only her XLM can pay (2 XLM per EUR)
    const fromAlice = await net.server.strictReceivePaths(alice.publicKey(), eur, '1').call();
    assert.deepEqual(fromAlice.records.map((r) => [r.source_asset_type, r.source_amount]), [['native', '2.0000000']]);
    await setup(net, [pay(issuer, alice, usd, '12')]);
    const affordable = await net.server.strictReceivePaths(alice.publicKey(), eur, '10').call();
    // 10 USD through XLM is affordable, 15 USD direct is not
    assert.deepEqual(
      affordable.records.filter((r) => r.source_asset_code === 'USD').map((r) => [r.source_amount, pathCodes(r)]),
      [['10.0000000', ['XLM']]],
    );
  });

  it('a quoted strict-receive path settles exactly', async () => {
    const { issuer, alice, bob, usd, gbp } = await book();
    await setup(net, [pay(issuer, alice, usd, '100')]);
    const [best] = (await net.server.strictReceivePaths([usd], gbp, '0.7777777').call()).records;
    await ok(net, alice, {
      by: alice,
      op: Operation.pathPaymentStrictReceive({
        sendAsset: usd, sendMax: best.source_amount, destination: bob.publicKey(), destAsset: gbp,
        destAmount: best.destination_amount, path: best.path.map(toAsset),
      }),
    });
    assert.equal(await bal(net, alice, usd), 100n * XLM - st(best.source_amount));
    assert.equal(await bal(net, bob, gbp), 7_777_777n);
  });

  it('a quoted strict-send path settles exactly', async () => {
    const { issuer, alice, bob, usd, gbp } = await book();
    await setup(net, [pay(issuer, alice, usd, '100')]);
    const [best] = (await net.server.strictSendPaths(usd, '0.3333333', [gbp]).call()).records;
    await ok(net, alice, {
      by: alice,
      op: Operation.pathPaymentStrictSend({
        sendAsset: usd, sendAmount: '0.3333333', destination: bob.publicKey(), destAsset: gbp,
        destMin: best.destination_amount, path: best.path.map(toAsset),
      }),
    });
    assert.equal(await bal(net, bob, gbp), st(best.destination_amount));
    assert.equal(await bal(net, alice, usd), 100n * XLM - 3_333_333n);
  });

  it('finds nothing beyond the book\'s depth, and the direct payment when assets match', async () => {
    const { usd, eur, gbp } = await book();
    assert.deepEqual((await net.server.strictReceivePaths([usd], gbp, '101').call()).records, []);
    const same = await net.server.strictSendPaths(eur, '1', [eur]).call();
    assert.deepEqual(same.records.map((r) => [r.destination_asset_code, r.destination_amount, pathCodes(r)]), [['EUR', '1.0000000', []]]);
  });

  it('keeps at most 5 paths per asset, best first', async () => {
    const { issuer, usd, eur } = await book();
    // parallel routes USD → Xi → EUR, each better than the one before
    const steps = [];
    for (let i = 0; i < 8; i++) {
      const x = new Asset(`X${i}`, issuer.publicKey());
      steps.push(sell(issuer, x, usd, '100', P(1, 1)), sell(issuer, eur, x, '100', P(1, 1 + i)));
    }
    await setup(net, steps);
    const { records } = await net.server.strictSendPaths(usd, '1', [eur]).call();
    assert.equal(records.length, 5);
    assert.equal(records[0].destination_amount, '8.0000000');
    assert.deepEqual(pathCodes(records[0]), ['X7']);
    assert.ok(records.every((r, i) => i === 0 || st(r.destination_amount) <= st(records[i - 1].destination_amount)));
  });

  it('answers 400 naming the parameter for a malformed query', async () => {
    const res = await fetch(`${net.url}/paths/strict-send?source_asset_type=native&source_amount=abc&destination_assets=native`);
    assert.equal(res.status, 400);
    const body = await res.json() as { extras?: { invalid_field?: string } };
    assert.equal(body.extras?.invalid_field, 'source_amount');
  });
});
