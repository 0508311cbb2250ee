/**
 * payment through the SDK over HTTP (PaymentTests.cpp): balances, the reserve and
 * liabilities, fees against the reserve, the issuer's mint and burn, self-payments,
 * Horizon's operation and effect records, and every result code in stellar-core's
 * order (destination checks before the source's).
 */
import assert from 'node:assert/strict';
import { Asset, Keypair, Operation, xdr } from '@stellar/stellar-sdk';
import { TestNetwork, startTestNetwork } from '../src/testing';
import {
  FEE, XLM, act, authRequired, authorize, bal, codes, create, keys, ok, pay, sell, setup, submitMutated, trust,
} from './dex-helpers';

const native = Asset.native();

describe('devnet payment over HTTP (PaymentTests.cpp)', function () {
  this.timeout(30_000);
  let net: TestNetwork;
  let issuer: Keypair;
  let usd: Asset;
  before(async () => {
    net = await startTestNetwork();
    issuer = Keypair.random();
    usd = new Asset('USD', issuer.publicKey());
    await setup(net, [create(issuer)]);
  });
  after(async () => { await net?.close(); });

  /** Fresh accounts with `xlm` lumens each (decimal string or stroops). */
  async function accounts(n: number, xlm: string | bigint = '100'): Promise<Keypair[]> {
    const ks = keys(n);
    await setup(net, ks.map((k) => create(k, xlm)));
    return ks;
  }

  it('moves native funds and reports Horizon\'s operation and effects', async () => {
    const [a, b] = await accounts(2);
    const out = await ok(net, a, pay(a, b, native, '12.5'));
    assert.equal(await bal(net, a, native), 875_000_000n - FEE);
    assert.equal(await bal(net, b, native), 1_125_000_000n);
    const [op] = (await net.server.operations().forTransaction(out.hash).call()).records as unknown as Record<string, unknown>[];
    assert.deepEqual([op.type, op.asset_type, op.from, op.to, op.amount], ['payment', 'native', a.publicKey(), b.publicKey(), '12.5000000']);
    const effects = (await net.server.effects().forTransaction(out.hash).call()).records as unknown as Record<string, unknown>[];
    assert.deepEqual(effects.map((e) => [e.type, e.account, e.amount]), [
      ['account_credited', b.publicKey(), '12.5000000'], ['account_debited', a.publicKey(), '12.5000000'],
    ]);
    const payments = (await net.server.payments().forAccount(b.publicKey()).order('desc').limit(1).call()).records;
    assert.equal(payments[0].transaction_hash, out.hash);
  });

  it('keeps the reserve: op_underfunded one stroop past the spendable balance, success at it', async () => {
    const [a1, a2] = await accounts(2, 100n * XLM + FEE);
    // 100 XLM − 2 × 0.5 reserve = 99 spendable once the fee is paid
    assert.deepEqual(await codes(net, a1, pay(a1, net.root, native, '99.0000001')), ['op_underfunded']);
    assert.equal(await bal(net, a1, native), 100n * XLM);
    await ok(net, a2, pay(a2, net.root, native, '99'));
    assert.equal(await bal(net, a2, native), XLM);
  });

  /** An asset of its own issuer, so that books of different tests never cross. */
  async function freshAsset(code: string): Promise<[Keypair, Asset]> {
    const k = Keypair.random();
    await setup(net, [create(k)]);
    return [k, new Asset(code, k.publicKey())];
  }

  it('keeps native selling liabilities: an offer selling 50 XLM holds them back', async () => {
    const [, usd] = await freshAsset('USD');
    const [b] = await accounts(1, 100n * XLM + 3n * FEE);
    await ok(net, b, trust(b, usd));
    await ok(net, b, sell(b, native, usd, '50', { n: 1, d: 1 }));
    // 100 − (2 + trustline + offer) × 0.5 − 50 = 48 spendable, after this transaction's fee
    assert.deepEqual(await codes(net, b, pay(b, net.root, native, '48.0000001')), ['op_underfunded']);
    // the failed attempt's fee came out of the spendable balance too
    await ok(net, b, pay(b, net.root, native, 48n * XLM - FEE));
    assert.equal(await bal(net, b, native), 52n * XLM);
  });

  describe('"fee less than base reserve": the fee is checked against the balance above the reserve', () => {
    const minBalance = 10_000_000n; // 2 × 0.5 XLM
    for (const [extra, expected] of [
      [1n, 'tx_insufficient_balance'],
      [2n, 'tx_insufficient_balance'],
      [1n + FEE - 1n, 'op_underfunded'],
      [1n + FEE, 'tx_success'],
      [1n + FEE + 1n, 'tx_success'],
      [1n + 2n * FEE - 1n, 'tx_success'],
    ] as const) {
      it(`base reserve + ${extra} stroops paying 1 stroop: ${expected}`, async () => {
        const [payFrom] = await accounts(1, minBalance + extra);
        const out = await act(net, payFrom, pay(payFrom, net.root, native, 1n));
        if (expected === 'op_underfunded') assert.deepEqual([out.transaction, out.operations], ['tx_failed', ['op_underfunded']]);
        else assert.equal(out.transaction, expected);
      });
    }
  });

  it('a native payment to oneself succeeds and costs only the fee', async () => {
    const [a] = await accounts(1);
    await ok(net, a, pay(a, a, native, '1000'));
    assert.equal(await bal(net, a, native), 100n * XLM - FEE);
  });

  it('the issuer mints, holders pay each other, and paying the issuer burns', async () => {
    const [a, b] = await accounts(2);
    await setup(net, [trust(a, usd), trust(b, usd)]);
    await ok(net, issuer, pay(issuer, a, usd, '50'));
    await ok(net, a, pay(a, b, usd, '20'));
    await ok(net, b, pay(b, issuer, usd, '5'));
    assert.equal(await bal(net, a, usd), 30n * XLM);
    assert.equal(await bal(net, b, usd), 15n * XLM);
  });

  it('credits can go back to an issuer whose account was merged away', async () => {
    const [a, b] = await accounts(2);
    const ghost = Keypair.random();
    const xyz = new Asset('XYZ', ghost.publicKey());
    await setup(net, [create(ghost, '10'), trust(a, xyz, '10'), trust(b, xyz), pay(ghost, a, xyz, '10')]);
    await ok(net, ghost, { by: ghost, op: Operation.accountMerge({ destination: net.root.publicKey() }) });
    await assert.rejects(net.server.loadAccount(ghost.publicKey()));
    await ok(net, a, pay(a, ghost.publicKey(), xyz, '4'));
    assert.equal(await bal(net, a, xyz), 6n * XLM);
    await ok(net, a, pay(a, b, xyz, '1'));
    assert.equal(await bal(net, b, xyz), XLM);
  });

  describe('"liabilities"', () => {
    it('cannot pay the balance below selling liabilities (op_underfunded)', async () => {
      const [issuer, usd] = await freshAsset('IDR');
      const [a1] = await accounts(1);
      await setup(net, [trust(a1, usd, 200n), pay(issuer, a1, usd, 100n)]);
      await ok(net, a1, sell(a1, usd, native, 50n, { n: 1, d: 1 }));
      assert.deepEqual(await codes(net, a1, pay(a1, issuer, usd, 51n)), ['op_underfunded']);
      await ok(net, a1, pay(a1, issuer, usd, 50n));
      assert.equal(await bal(net, a1, usd), 50n);
    });

    it('cannot receive such that balance + buying liabilities exceed the limit (op_line_full)', async () => {
      const [issuer, usd] = await freshAsset('IDR');
      const [a1] = await accounts(1);
      await setup(net, [trust(a1, usd, 100n)]);
      await ok(net, a1, sell(a1, native, usd, 50n, { n: 1, d: 1 }));
      assert.deepEqual(await codes(net, issuer, pay(issuer, a1, usd, 51n)), ['op_line_full']);
      await ok(net, issuer, pay(issuer, a1, usd, 50n));
      assert.equal(await bal(net, a1, usd), 50n);
    });
  });

  describe('result codes, destination checks before the source\'s', () => {
    it('op_malformed: zero amount, invalid asset code', async () => {
      const [a, b] = await accounts(2);
      const zero = pay(a, b, native, '1');
      (zero.op.body().value() as xdr.PaymentOp).amount(xdr.Int64.fromString('0'));
      assert.deepEqual(await codes(net, a, zero), ['op_malformed']);
      // the SDK cannot even represent 'U\0S\0': posted as raw XDR
      const bad = await submitMutated(net, a, pay(a, b, usd, '1').op, (op) => {
        (op.body().value() as xdr.PaymentOp).asset(xdr.Asset.assetTypeCreditAlphanum4(new xdr.AlphaNum4({
          assetCode: Buffer.from([0x55, 0x00, 0x53, 0x00]), issuer: xdr.PublicKey.publicKeyTypeEd25519(Buffer.alloc(32)),
        })));
      });
      assert.deepEqual([bad.status, bad.transaction, bad.operations], [400, 'tx_failed', ['op_malformed']]);
    });

    it('op_no_destination, op_no_trust, op_not_authorized, op_line_full', async () => {
      const [a, b, c] = await accounts(3);
      const strict = Keypair.random();
      const eur = new Asset('EUR', strict.publicKey());
      await setup(net, [create(strict), authRequired(strict), trust(b, eur, '10'), trust(c, usd, '10')]);
      assert.deepEqual(await codes(net, a, pay(a, Keypair.random(), native, '1')), ['op_no_destination']);
      // a holds no USD either: the destination's missing trustline is reported first
      assert.deepEqual(await codes(net, a, pay(a, b, usd, '1')), ['op_no_trust']);
      assert.deepEqual(await codes(net, strict, pay(strict, b, eur, '1')), ['op_not_authorized']);
      assert.deepEqual(await codes(net, issuer, pay(issuer, c, usd, '10.0000001')), ['op_line_full']);
      await ok(net, issuer, pay(issuer, c, usd, '10'));
      assert.equal(await bal(net, c, usd), 10n * XLM);
    });

    it('op_src_no_trust, op_src_not_authorized, op_underfunded; a failed payment credits nobody', async () => {
      const [a, b, c] = await accounts(3);
      const strict = Keypair.random();
      const eur = new Asset('EUR', strict.publicKey());
      await setup(net, [
        create(strict), authRequired(strict),
        trust(c, usd), trust(c, eur), authorize(strict, c, eur),
        trust(a, eur), authorize(strict, a, eur), pay(strict, a, eur, '5'), authorize(strict, a, eur, 'none'),
        trust(b, usd), pay(issuer, b, usd, '5'),
      ]);
      assert.deepEqual(await codes(net, a, pay(a, c, usd, '1')), ['op_src_no_trust']);
      assert.deepEqual(await codes(net, a, pay(a, c, eur, '1')), ['op_src_not_authorized']);
      assert.deepEqual(await codes(net, b, pay(b, c, usd, '5.0000001')), ['op_underfunded']);
      assert.equal(await bal(net, c, usd), 0n, 'the destination credit was rolled back');
      assert.equal(await bal(net, c, eur), 0n);
    });
  });
});
