/**
 * pathPaymentStrictReceive and pathPaymentStrictSend applied to a ledger directly:
 * exact amounts after crossing with the path-payment rounding modes
 * (PathPaymentTests.cpp, PathPaymentStrictSendTests.cpp) and every result code.
 */
import assert from 'node:assert/strict';
import { Asset, Keypair, Operation, xdr } from '@stellar/stellar-sdk';
import { AccountId, AssetKey, NATIVE } from '../../src/devnet/state/entries';
import { frame as sell } from '../../src/devnet/ops/manage-sell-offer';
import { frame as strictReceive } from '../../src/devnet/ops/path-payment-strict-receive';
import { frame as strictSend } from '../../src/devnet/ops/path-payment-strict-send';
import { Fixture, XLM } from './ledger-fixture';
import { TestNetwork, startTestNetwork } from './harness';

const asset = (key: AssetKey): Asset => {
  if (key === NATIVE) return Asset.native();
  const [code, issuer] = key.split(':');
  return new Asset(code, issuer);
};

const offer = (selling: AssetKey, buying: AssetKey, amount: string, price: { n: number; d: number }): xdr.Operation =>
  Operation.manageSellOffer({ selling: asset(selling), buying: asset(buying), amount, price });

const receiveOp = (sendAsset: AssetKey, sendMax: string, destination: AccountId, destAsset: AssetKey, destAmount: string, path: AssetKey[] = []) =>
  Operation.pathPaymentStrictReceive({ sendAsset: asset(sendAsset), sendMax, destination, destAsset: asset(destAsset), destAmount, path: path.map(asset) });

const sendOp = (sendAsset: AssetKey, sendAmount: string, destination: AccountId, destAsset: AssetKey, destMin: string, path: AssetKey[] = []) =>
  Operation.pathPaymentStrictSend({ sendAsset: asset(sendAsset), sendAmount, destination, destAsset: asset(destAsset), destMin, path: path.map(asset) });

describe('devnet path payments (PathPaymentTests.cpp, PathPaymentStrictSendTests.cpp)', () => {
  let f: Fixture;
  let issuer: AccountId;
  let usd: AssetKey;
  let eur: AssetKey;
  let mm: AccountId;
  let alice: AccountId;
  let bob: AccountId;

  beforeEach(() => {
    f = new Fixture();
    issuer = f.account(1000n);
    usd = `USD:${issuer}`;
    eur = `EUR:${issuer}`;
    mm = f.account(1000n);
    f.trust(mm, usd);
    f.trust(mm, eur, 1000n * XLM);
    alice = f.account(1000n);
    f.trust(alice, usd, 100n * XLM);
    f.trust(alice, eur);
    bob = f.account(1000n);
    f.trust(bob, eur);
    f.trust(bob, usd);
    // the market maker sells 100 EUR at 3/2 USD per EUR
    assert.equal(f.apply(sell, offer(eur, usd, '100', { n: 3, d: 2 }), mm).code, 'op_success');
  });

  describe('strict receive', () => {
    it('delivers exactly destAmount, the source pays the book price rounded up', () => {
      const out = f.apply(strictReceive, receiveOp(usd, '20', bob, eur, '10'), alice);
      assert.equal(out.code, 'op_success');
      assert.equal(f.balance(bob, eur), 10n * XLM);
      assert.equal(f.balance(alice, usd), 85n * XLM);
      assert.equal(f.balance(mm, usd), 15n * XLM);
      assert.equal(f.state.getOffer(1n)!.amount, 90n * XLM);
      const s = out.result.tr().pathPaymentStrictReceiveResult().success();
      assert.equal(s.last().amount().toString(), String(10n * XLM));
      assert.equal(s.offers()[0].orderBook().amountBought().toString(), String(15n * XLM));
      assert.deepEqual(f.effects.slice(0, 2).map((e) => [e.type, e.account, e.details.amount]), [
        ['account_credited', bob, '10.0000000'], ['account_debited', alice, '15.0000000'],
      ]);
      assert.equal(out.details!.source_amount, '15.0000000');
      assert.equal(out.details!.source_max, '20.0000000');
    });

    it('one stroop at 3/2 costs ceil(1.5) = 2 stroops', () => {
      assert.equal(f.apply(strictReceive, receiveOp(usd, '1', bob, eur, '0.0000001'), alice).code, 'op_success');
      assert.equal(f.balance(alice, usd), 100n * XLM - 2n);
      assert.equal(f.balance(bob, eur), 1n);
    });

    it('op_over_source_max when the path costs more than sendMax', () => {
      const out = f.apply(strictReceive, receiveOp(usd, '14.9999999', bob, eur, '10'), alice);
      assert.equal(out.code, 'op_over_source_max');
      assert.equal(out.result.tr().pathPaymentStrictReceiveResult().switch().name, 'pathPaymentStrictReceiveOverSendmax');
      assert.equal(f.balance(bob, eur), 0n, 'rolled back');
    });

    it('op_too_few_offers when the book cannot deliver destAmount', () => {
      assert.equal(f.apply(strictReceive, receiveOp(usd, '1000', bob, eur, '100.0000001'), alice).code, 'op_too_few_offers');
      assert.equal(f.apply(strictReceive, receiveOp(NATIVE, '1000', bob, eur, '1'), alice).code, 'op_too_few_offers');
    });

    it('two hops through XLM, offers reported source side first', () => {
      // mm2 sells XLM for USD at 1/2 USD per XLM; mm sells EUR for XLM at 2 XLM per EUR
      const mm2 = f.account(1000n);
      f.trust(mm2, usd);
      assert.equal(f.apply(sell, offer(NATIVE, usd, '100', { n: 1, d: 2 }), mm2).code, 'op_success');
      assert.equal(f.apply(sell, offer(eur, NATIVE, '50', { n: 2, d: 1 }), mm).code, 'op_success');
      const out = f.apply(strictReceive, receiveOp(usd, '10', bob, eur, '10', [NATIVE]), alice);
      assert.equal(out.code, 'op_success');
      assert.equal(f.balance(alice, usd), 90n * XLM);
      assert.equal(f.balance(bob, eur), 10n * XLM);
      const offers = out.result.tr().pathPaymentStrictReceiveResult().success().offers();
      assert.deepEqual(offers.map((o) => o.orderBook().offerId().toString()), ['2', '3']);
      assert.deepEqual(out.details!.path, [{ asset_type: 'native' }]);
    });

    it('op_cross_self when the path reaches the source\'s own offer', () => {
      f.trust(alice, `GBP:${issuer}`);
      const t = f.state.getTrustLine(alice, eur)!;
      f.state.putTrustLine({ ...t, balance: 10n * XLM });
      // alice's own EUR offer at a better price than mm's
      assert.equal(f.apply(sell, offer(eur, usd, '5', { n: 1, d: 1 }), alice).code, 'op_success');
      const out = f.apply(strictReceive, receiveOp(usd, '20', bob, eur, '1'), alice);
      assert.equal(out.code, 'op_cross_self');
      assert.equal(out.result.tr().pathPaymentStrictReceiveResult().switch().name, 'pathPaymentStrictReceiveOfferCrossSelf');
    });

    it('destination checks come before the source\'s', () => {
      const stranger = f.account(10n);
      const nobody = 'GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7';
      assert.equal(f.apply(strictReceive, receiveOp(eur, '1', nobody, eur, '1'), stranger).code, 'op_no_destination');
      assert.equal(f.apply(strictReceive, receiveOp(eur, '1', stranger, eur, '1'), alice).code, 'op_no_trust');
      f.trust(stranger, eur, 0n, 5n * XLM, 0);
      assert.equal(f.apply(strictReceive, receiveOp(eur, '1', stranger, eur, '1'), bob).code, 'op_not_authorized');
      const s2 = f.account(10n);
      f.trust(s2, eur, 0n, 5n * XLM);
      assert.equal(f.apply(strictReceive, receiveOp(eur, '1', s2, eur, '6'), bob).code, 'op_line_full');
      // conversion comes before the source debit: a missing book fails first
      assert.equal(f.apply(strictReceive, receiveOp(`GBP:${issuer}`, '1', bob, eur, '1'), alice).code, 'op_too_few_offers');
      const s3 = f.account(10n);
      assert.equal(f.apply(strictReceive, receiveOp(eur, '1', bob, eur, '1'), s3).code, 'op_src_no_trust');
      assert.equal(f.apply(strictReceive, receiveOp(eur, '1', bob, eur, '1'), alice).code, 'op_underfunded');
    });

    it('op_malformed for non-positive amounts', () => {
      const op = receiveOp(usd, '1', bob, eur, '1');
      (op.body().value() as xdr.PathPaymentStrictReceiveOp).sendMax(xdr.Int64.fromString('0'));
      assert.equal(f.apply(strictReceive, op, alice).code, 'op_malformed');
    });

    it('op_exceeded_work_limit is shared across hops', function () {
      this.timeout(60_000);
      const mm2 = f.account(1000n);
      f.trust(mm2, usd);
      const mm3 = f.account(1000n);
      f.trust(mm3, usd);
      // 1200 tiny XLM offers for USD, and a deep EUR/XLM book of 600 offers
      for (let i = 0; i < 600; i++) {
        f.apply(sell, offer(NATIVE, usd, '0.01', { n: 1, d: 1 }), mm2);
        f.apply(sell, offer(NATIVE, usd, '0.01', { n: 1, d: 1 }), mm3);
        f.apply(sell, offer(eur, NATIVE, '0.01', { n: 1, d: 1 }), mm);
      }
      // 5.01 EUR needs 501 EUR offers then 501 XLM offers: 1002 crossed in all
      const over = f.apply(strictReceive, receiveOp(usd, '100', bob, eur, '5.01', [NATIVE]), alice);
      assert.equal(over.code, 'op_exceeded_work_limit');
      assert.equal(over.result.switch().name, 'opExceededWorkLimit');
      // 5 EUR needs exactly 1000: within the limit
      const ok = f.apply(strictReceive, receiveOp(usd, '100', bob, eur, '5', [NATIVE]), alice);
      assert.equal(ok.code, 'op_success');
      assert.equal(ok.result.tr().pathPaymentStrictReceiveResult().success().offers().length, 1000);
    });
  });

  describe('strict send', () => {
    it('spends exactly sendAmount; the book offer keeps the rounding', () => {
      const out = f.apply(strictSend, sendOp(usd, '15', bob, eur, '10'), alice);
      assert.equal(out.code, 'op_success');
      assert.equal(f.balance(alice, usd), 85n * XLM);
      assert.equal(f.balance(bob, eur), 10n * XLM);
      assert.equal(out.details!.amount, '10.0000000');
      assert.equal(out.details!.destination_min, '10.0000000');
      assert.equal(out.result.tr().pathPaymentStrictSendResult().success().last().amount().toString(), String(10n * XLM));
    });

    it('two stroops at 3/2 buy floor(4/3) = 1 stroop; one stroop buys nothing (op_under_dest_min)', () => {
      assert.equal(f.apply(strictSend, sendOp(usd, '0.0000002', bob, eur, '0.0000001'), alice).code, 'op_success');
      assert.equal(f.balance(bob, eur), 1n);
      assert.equal(f.balance(alice, usd), 100n * XLM - 2n);
      const out = f.apply(strictSend, sendOp(usd, '0.0000001', bob, eur, '0.0000001'), alice);
      assert.equal(out.code, 'op_under_dest_min');
      assert.equal(out.result.tr().pathPaymentStrictSendResult().switch().name, 'pathPaymentStrictSendUnderDestmin');
    });

    it('op_under_dest_min and op_too_few_offers', () => {
      assert.equal(f.apply(strictSend, sendOp(usd, '15', bob, eur, '10.0000001'), alice).code, 'op_under_dest_min');
      const rich = f.account(1000n);
      f.trust(rich, usd, 1000n * XLM);
      assert.equal(f.apply(strictSend, sendOp(usd, '150.0000001', bob, eur, '1'), rich).code, 'op_too_few_offers');
    });

    it('source checks come first: op_underfunded, op_src_not_authorized', () => {
      assert.equal(f.apply(strictSend, sendOp(usd, '100.0000001', bob, eur, '1'), alice).code, 'op_underfunded');
      const t = f.state.getTrustLine(alice, usd)!;
      f.state.putTrustLine({ ...t, flags: 0 });
      assert.equal(f.apply(strictSend, sendOp(usd, '1', bob, eur, '1'), alice).code, 'op_src_not_authorized');
    });

    it('the issuer mints into a path and the destination may be the issuer', () => {
      assert.equal(f.apply(strictSend, sendOp(usd, '3', bob, eur, '2'), issuer).code, 'op_success');
      assert.equal(f.balance(bob, eur), 2n * XLM);
      assert.equal(f.apply(strictSend, sendOp(eur, '1', issuer, eur, '1'), bob).code, 'op_success');
      assert.equal(f.balance(bob, eur), 1n * XLM);
    });
  });
});

describe('devnet path payments over HTTP (SDK → Horizon API → engine)', function () {
  this.timeout(60_000);
  let net: TestNetwork;
  const issuer = Keypair.random();
  const mm = Keypair.random();
  const alice = Keypair.random();
  const bob = Keypair.random();
  let usd: Asset;
  let eur: Asset;

  const balance = async (k: Keypair, a: Asset): Promise<string | undefined> => {
    const acc = await net.server.loadAccount(k.publicKey());
    const line = acc.balances.find((b) => (a.isNative() ? b.asset_type === 'native'
      : 'asset_code' in b && b.asset_code === a.getCode() && b.asset_issuer === a.getIssuer()));
    return line?.balance;
  };
  const codes = async (p: Promise<unknown>): Promise<unknown> => {
    try {
      await p;
      return 'op_success';
    } catch (e) {
      const err = e as { response?: { data?: { extras?: { result_codes?: { operations?: string[] } } } } };
      return err.response?.data?.extras?.result_codes?.operations;
    }
  };

  before(async () => {
    net = await startTestNetwork();
    usd = new Asset('USD', issuer.publicKey());
    eur = new Asset('EUR', issuer.publicKey());
    for (const k of [issuer, mm, alice, bob]) await net.fund(k, '1000');
    await net.submit(mm, [Operation.changeTrust({ asset: usd }), Operation.changeTrust({ asset: eur })]);
    await net.submit(alice, [Operation.changeTrust({ asset: usd })]);
    await net.submit(bob, [Operation.changeTrust({ asset: eur })]);
    await net.submit(issuer, [
      Operation.payment({ destination: mm.publicKey(), asset: eur, amount: '1000' }),
      Operation.payment({ destination: alice.publicKey(), asset: usd, amount: '100' }),
    ]);
    // USD → XLM at 0.5 USD per XLM, XLM → EUR at 2 XLM per EUR, and USD → EUR directly at 3/2
    await net.submit(mm, [
      Operation.manageSellOffer({ selling: Asset.native(), buying: usd, amount: '300', price: { n: 1, d: 2 } }),
      Operation.manageSellOffer({ selling: eur, buying: Asset.native(), amount: '100', price: { n: 2, d: 1 } }),
      Operation.manageSellOffer({ selling: eur, buying: usd, amount: '100', price: { n: 3, d: 2 } }),
    ]);
  });

  after(async () => {
    await net?.close();
  });

  it('the SDK parses a created offer and a crossing offer from result_xdr', async () => {
    const carol = Keypair.random();
    await net.fund(carol, '100');
    await net.submit(carol, [Operation.changeTrust({ asset: usd })]);
    const r = await net.submit(carol, [Operation.manageSellOffer({ selling: Asset.native(), buying: usd, amount: '10', price: { n: 4, d: 1 } })]);
    const offerResults = (r as unknown as { offerResults: Array<{ currentOffer?: { offerId: string }; isFullyOpen: boolean }> }).offerResults;
    assert.equal(offerResults[0].isFullyOpen, true);
    assert.ok(offerResults[0].currentOffer?.offerId);
  });

  it('strict receive through XLM delivers exactly and debits the quoted amount', async () => {
    const quote = await net.server.strictReceivePaths([usd], eur, '10').call();
    const best = quote.records[0];
    assert.equal(best.source_amount, '10.0000000');
    assert.deepEqual(best.path.map((p) => p.asset_type), ['native']);
    await net.submit(alice, [Operation.pathPaymentStrictReceive({
      sendAsset: usd, sendMax: best.source_amount, destination: bob.publicKey(), destAsset: eur, destAmount: '10', path: [Asset.native()],
    })]);
    assert.equal(await balance(alice, usd), '90.0000000');
    assert.equal(await balance(bob, eur), '10.0000000');
  });

  it('strict send through XLM credits what the quote said', async () => {
    const quote = await net.server.strictSendPaths(usd, '3.3333333', [eur]).call();
    const best = quote.records[0];
    await net.submit(alice, [Operation.pathPaymentStrictSend({
      sendAsset: usd, sendAmount: '3.3333333', destination: bob.publicKey(), destAsset: eur, destMin: best.destination_amount,
      path: best.path.map((p) => (p.asset_type === 'native' ? Asset.native() : new Asset(p.asset_code, p.asset_issuer))),
    })]);
    assert.equal(await balance(alice, usd), '86.6666667');
    assert.equal(await balance(bob, eur), (10 + Number(best.destination_amount)).toFixed(7));
  });

  it('failures carry Horizon\'s codes: op_over_source_max, op_under_dest_min, op_too_few_offers', async () => {
    assert.deepEqual(await codes(net.submit(alice, [Operation.pathPaymentStrictReceive({
      sendAsset: usd, sendMax: '1', destination: bob.publicKey(), destAsset: eur, destAmount: '10', path: [Asset.native()],
    })])), ['op_over_source_max']);
    assert.deepEqual(await codes(net.submit(alice, [Operation.pathPaymentStrictSend({
      sendAsset: usd, sendAmount: '1', destination: bob.publicKey(), destAsset: eur, destMin: '5', path: [],
    })])), ['op_under_dest_min']);
    assert.deepEqual(await codes(net.submit(alice, [Operation.pathPaymentStrictReceive({
      sendAsset: usd, sendMax: '10000', destination: bob.publicKey(), destAsset: eur, destAmount: '5000', path: [],
    })])), ['op_too_few_offers']);
    assert.deepEqual(await codes(net.submit(alice, [Operation.payment({
      destination: bob.publicKey(), asset: usd, amount: '1',
    })])), ['op_no_trust']);
  });

  it('trades are recorded for the crossed offers', async () => {
    const trades = await net.server.trades().forAccount(mm.publicKey()).call();
    assert.ok(trades.records.length >= 3);
  });
});
