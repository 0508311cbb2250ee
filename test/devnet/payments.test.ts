/**
 * payment applied to a ledger directly (PaymentTests.cpp): balances, reserve and
 * liabilities, the issuer's mint and burn, self-payments, Horizon details and
 * effects, and every result code in stellar-core's order (destination first).
 */
import assert from 'node:assert/strict';
import { Asset, Operation, xdr } from '@stellar/stellar-sdk';
import { AccountId, AssetKey, NATIVE } from '../../src/devnet/state/entries';
import { frame as payment } from '../../src/devnet/ops/payment';
import { frame as sell } from '../../src/devnet/ops/manage-sell-offer';
import { Fixture, XLM } from './ledger-fixture';

const asset = (key: AssetKey): Asset => {
  if (key === NATIVE) return Asset.native();
  const [code, issuer] = key.split(':');
  return new Asset(code, issuer);
};
const pay = (destination: AccountId, a: AssetKey, amount: string): xdr.Operation =>
  Operation.payment({ destination, asset: asset(a), amount });

describe('devnet payment (PaymentTests.cpp)', () => {
  let f: Fixture;
  let issuer: AccountId;
  let usd: AssetKey;
  let a: AccountId;
  let b: AccountId;

  beforeEach(() => {
    f = new Fixture();
    issuer = f.account(1000n);
    usd = `USD:${issuer}`;
    a = f.account(100n);
    b = f.account(100n);
  });

  it('moves native funds and reports Horizon details and effects', () => {
    const out = f.apply(payment, pay(b, NATIVE, '12.5'), a);
    assert.equal(out.code, 'op_success');
    assert.equal(out.result.tr().paymentResult().switch().name, 'paymentSuccess');
    assert.equal(f.balance(a, NATIVE), 875_000_000n);
    assert.equal(f.balance(b, NATIVE), 1_125_000_000n);
    assert.deepEqual(out.details, { asset_type: 'native', from: a, to: b, amount: '12.5000000' });
    assert.deepEqual(f.effects.map((e) => [e.type, e.typeI, e.account, e.details.amount]), [
      ['account_credited', 2, b, '12.5000000'], ['account_debited', 3, a, '12.5000000'],
    ]);
  });

  it('keeps the reserve and native selling liabilities: op_underfunded one stroop past them', () => {
    // 100 XLM − 2 × 0.5 reserve = 99 spendable
    assert.equal(f.apply(payment, pay(b, NATIVE, '99.0000001'), a).code, 'op_underfunded');
    assert.equal(f.apply(payment, pay(b, NATIVE, '99'), a).code, 'op_success');
    f.trust(b, usd);
    // b sells 50 XLM on the book: 199 − (2 + trustline + offer) × 0.5 − 50 = 147 left to pay
    assert.equal(f.apply(sell, Operation.manageSellOffer({ selling: Asset.native(), buying: asset(usd), amount: '50', price: { n: 1, d: 1 } }), b).code, 'op_success');
    assert.equal(f.apply(payment, pay(a, NATIVE, '147.0000001'), b).code, 'op_underfunded');
    assert.equal(f.apply(payment, pay(a, NATIVE, '147'), b).code, 'op_success');
  });

  it('a native payment to oneself succeeds and changes nothing', () => {
    const out = f.apply(payment, pay(a, NATIVE, '1000'), a);
    assert.equal(out.code, 'op_success');
    assert.equal(f.balance(a, NATIVE), 100n * XLM);
  });

  it('the issuer mints, holders pay each other, and paying the issuer burns', () => {
    f.trust(a, usd);
    f.trust(b, usd);
    assert.equal(f.apply(payment, pay(a, usd, '50'), issuer).code, 'op_success');
    assert.equal(f.apply(payment, pay(b, usd, '20'), a).code, 'op_success');
    assert.equal(f.apply(payment, pay(issuer, usd, '5'), b).code, 'op_success');
    assert.equal(f.balance(a, usd), 30n * XLM);
    assert.equal(f.balance(b, usd), 15n * XLM);
  });

  it('credits can go back to an issuer whose account does not exist', () => {
    const ghost = 'GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7';
    const xyz = `XYZ:${ghost}`;
    f.trust(a, xyz, 10n * XLM);
    assert.equal(f.apply(payment, pay(ghost, xyz, '4'), a).code, 'op_success');
    assert.equal(f.balance(a, xyz), 6n * XLM);
    f.trust(b, xyz);
    assert.equal(f.apply(payment, pay(b, xyz, '1'), a).code, 'op_success');
  });

  describe('result codes, destination checks before the source\'s', () => {
    it('op_malformed: zero amount, invalid asset code', () => {
      const zero = pay(b, NATIVE, '1');
      (zero.body().value() as xdr.PaymentOp).amount(xdr.Int64.fromString('0'));
      assert.equal(f.apply(payment, zero, a).code, 'op_malformed');
      const bad = pay(b, usd, '1');
      (bad.body().value() as xdr.PaymentOp).asset(xdr.Asset.assetTypeCreditAlphanum4(new xdr.AlphaNum4({
        assetCode: Buffer.from([0x55, 0x00, 0x53, 0x00]), issuer: xdr.PublicKey.publicKeyTypeEd25519(Buffer.alloc(32)),
      })));
      assert.equal(f.apply(payment, bad, a).code, 'op_malformed');
    });

    it('op_no_destination, op_no_trust, op_not_authorized, op_line_full', () => {
      const nobody = 'GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7';
      assert.equal(f.apply(payment, pay(nobody, NATIVE, '1'), a).code, 'op_no_destination');
      // a has no USD either: the destination's missing trustline is reported first
      assert.equal(f.apply(payment, pay(b, usd, '1'), a).code, 'op_no_trust');
      f.trust(b, usd, 0n, 10n * XLM, 0);
      assert.equal(f.apply(payment, pay(b, usd, '1'), issuer).code, 'op_not_authorized');
      const c = f.account(10n);
      f.trust(c, usd, 0n, 10n * XLM);
      assert.equal(f.apply(payment, pay(c, usd, '10.0000001'), issuer).code, 'op_line_full');
      assert.equal(f.apply(payment, pay(c, usd, '10'), issuer).code, 'op_success');
    });

    it('op_src_no_trust, op_src_not_authorized, op_underfunded', () => {
      const c = f.account(10n);
      f.trust(c, usd);
      assert.equal(f.apply(payment, pay(c, usd, '1'), a).code, 'op_src_no_trust');
      f.trust(a, usd, 5n * XLM, 10n * XLM, 0);
      assert.equal(f.apply(payment, pay(c, usd, '1'), a).code, 'op_src_not_authorized');
      f.trust(b, usd, 5n * XLM);
      assert.equal(f.apply(payment, pay(c, usd, '5.0000001'), b).code, 'op_underfunded');
      assert.equal(f.balance(c, usd), 0n, 'the destination credit was rolled back');
    });
  });
});
