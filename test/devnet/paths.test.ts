/**
 * Path finding (Horizon's /paths/strict-send and /paths/strict-receive): the
 * paths found, their order and limits, and that a quoted path settles exactly
 * when submitted as a path payment.
 */
import assert from 'node:assert/strict';
import { Asset, Operation, xdr } from '@stellar/stellar-sdk';
import { AccountId, AssetKey, NATIVE } from '../../src/devnet/state/entries';
import { frame as sell } from '../../src/devnet/ops/manage-sell-offer';
import { frame as strictReceive } from '../../src/devnet/ops/path-payment-strict-receive';
import { frame as strictSend } from '../../src/devnet/ops/path-payment-strict-send';
import { findStrictReceivePaths, findStrictSendPaths } from '../../src/devnet/paths';
import { Fixture, XLM } from './ledger-fixture';

const asset = (key: AssetKey): Asset => {
  if (key === NATIVE) return Asset.native();
  const [code, issuer] = key.split(':');
  return new Asset(code, issuer);
};
const offer = (selling: AssetKey, buying: AssetKey, amount: string, price: { n: number; d: number }): xdr.Operation =>
  Operation.manageSellOffer({ selling: asset(selling), buying: asset(buying), amount, price });
const amount = (stroops: bigint): string => {
  const s = stroops.toString().padStart(8, '0');
  return `${s.slice(0, -7)}.${s.slice(-7)}`;
};

describe('devnet path finding (exp/orderbook/search.go)', () => {
  let f: Fixture;
  let issuer: AccountId;
  let usd: AssetKey;
  let eur: AssetKey;
  let gbp: AssetKey;
  let alice: AccountId;
  let bob: AccountId;

  beforeEach(() => {
    f = new Fixture();
    issuer = f.account(1000n);
    usd = `USD:${issuer}`;
    eur = `EUR:${issuer}`;
    gbp = `GBP:${issuer}`;
    // EUR can be bought for USD directly (3/2) or through XLM (2 XLM/EUR, 0.5 USD/XLM ⇒ 1 USD/EUR)
    assert.equal(f.apply(sell, offer(eur, usd, '100', { n: 3, d: 2 }), issuer).code, 'op_success');
    assert.equal(f.apply(sell, offer(eur, NATIVE, '100', { n: 2, d: 1 }), issuer).code, 'op_success');
    assert.equal(f.apply(sell, offer(NATIVE, usd, '300', { n: 1, d: 2 }), issuer).code, 'op_success');
    assert.equal(f.apply(sell, offer(gbp, eur, '100', { n: 1, d: 1 }), issuer).code, 'op_success');
    alice = f.account(1000n);
    f.trust(alice, usd);
    bob = f.account(1000n);
    f.trust(bob, eur);
    f.trust(bob, gbp);
  });

  it('strict receive finds the direct and the two-hop path, cheapest first', () => {
    const paths = findStrictReceivePaths(f.state, { sourceAssets: [usd], destinationAsset: eur, destinationAmount: 10n * XLM });
    assert.deepEqual(paths.map((p) => [p.source_asset, p.source_amount, p.path]), [
      [usd, 10n * XLM, [NATIVE]],
      [usd, 15n * XLM, []],
    ]);
  });

  it('strict send finds every reachable destination asset, most received first', () => {
    const paths = findStrictSendPaths(f.state, { sourceAsset: usd, sourceAmount: 15n * XLM, destinationAssets: [eur, gbp] });
    assert.deepEqual(paths.map((p) => [p.destination_asset, p.destination_amount, p.path]), [
      [eur, 15n * XLM, [NATIVE]],
      [eur, 10n * XLM, []],
      [gbp, 15n * XLM, [NATIVE, eur]],
      [gbp, 10n * XLM, [eur]],
    ]);
  });

  it('respects the maximum path length (hops)', () => {
    const one = findStrictSendPaths(f.state, { sourceAsset: usd, sourceAmount: 15n * XLM, destinationAssets: [gbp], maxLength: 2 });
    assert.deepEqual(one.map((p) => p.path), [[eur]]);
  });

  it('uses a destination account\'s trustlines, and a source account\'s balances', () => {
    const toBob = findStrictSendPaths(f.state, { sourceAsset: usd, sourceAmount: 15n * XLM, destinationAccount: bob });
    assert.deepEqual([...new Set(toBob.map((p) => p.destination_asset))], [eur, gbp, NATIVE].filter((a) => toBob.some((p) => p.destination_asset === a)));
    // alice holds no USD yet: only her XLM can pay (2 XLM per EUR)
    assert.deepEqual(
      findStrictReceivePaths(f.state, { sourceAccount: alice, destinationAsset: eur, destinationAmount: XLM }).map((p) => [p.source_asset, p.source_amount]),
      [[NATIVE, 2n * XLM]],
    );
    const t = f.state.getTrustLine(alice, usd)!;
    f.state.putTrustLine({ ...t, balance: 12n * XLM });
    const affordable = findStrictReceivePaths(f.state, { sourceAccount: alice, destinationAsset: eur, destinationAmount: 10n * XLM });
    // 10 USD through XLM is affordable, 15 USD direct is not
    assert.deepEqual(affordable.filter((p) => p.source_asset === usd).map((p) => [p.source_amount, p.path]), [[10n * XLM, [NATIVE]]]);
  });

  it('a quoted strict-receive path settles exactly', () => {
    const t = f.state.getTrustLine(alice, usd)!;
    f.state.putTrustLine({ ...t, balance: 100n * XLM });
    const [best] = findStrictReceivePaths(f.state, { sourceAssets: [usd], destinationAsset: gbp, destinationAmount: 7_777_777n });
    const op = Operation.pathPaymentStrictReceive({
      sendAsset: asset(usd), sendMax: amount(best.source_amount), destination: bob, destAsset: asset(gbp),
      destAmount: amount(best.destination_amount), path: best.path.map(asset),
    });
    assert.equal(f.apply(strictReceive, op, alice).code, 'op_success');
    assert.equal(f.balance(alice, usd), 100n * XLM - best.source_amount);
  });

  it('a quoted strict-send path settles exactly', () => {
    const t = f.state.getTrustLine(alice, usd)!;
    f.state.putTrustLine({ ...t, balance: 100n * XLM });
    const [best] = findStrictSendPaths(f.state, { sourceAsset: usd, sourceAmount: 3_333_333n, destinationAssets: [gbp] });
    const op = Operation.pathPaymentStrictSend({
      sendAsset: asset(usd), sendAmount: amount(best.source_amount), destination: bob, destAsset: asset(gbp),
      destMin: amount(best.destination_amount), path: best.path.map(asset),
    });
    assert.equal(f.apply(strictSend, op, alice).code, 'op_success');
    assert.equal(f.balance(bob, gbp), best.destination_amount);
  });

  it('finds nothing beyond the book\'s depth, and the direct payment when assets match', () => {
    assert.deepEqual(findStrictReceivePaths(f.state, { sourceAssets: [usd], destinationAsset: gbp, destinationAmount: 101n * XLM }), []);
    const same = findStrictSendPaths(f.state, { sourceAsset: eur, sourceAmount: XLM, destinationAssets: [eur] });
    assert.deepEqual(same.map((p) => [p.destination_asset, p.destination_amount, p.path]), [[eur, XLM, []]]);
  });

  it('keeps at most 5 paths per asset', () => {
    // parallel routes USD → Xi → EUR, each better than the one before: each is recorded
    for (let i = 0; i < 8; i++) {
      const x = `X${i}:${issuer}`;
      f.apply(sell, offer(x, usd, '100', { n: 1, d: 1 }), issuer);
      f.apply(sell, offer(eur, x, '100', { n: 1, d: 1 + i }), issuer);
    }
    const paths = findStrictSendPaths(f.state, { sourceAsset: usd, sourceAmount: XLM, destinationAssets: [eur] });
    assert.equal(paths.length, 5);
    assert.equal(paths[0].destination_amount, 8n * XLM);
    assert.deepEqual(paths[0].path, [`X7:${issuer}`]);
    assert.ok(paths.every((p, i) => i === 0 || p.destination_amount <= paths[i - 1].destination_amount));
  });
});
