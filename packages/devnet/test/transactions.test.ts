/**
 * The transaction frame over HTTP (TxEnvelopeTests.cpp): validity order, sequence
 * numbers, time bounds, fees charged even on failure, all-or-nothing operations,
 * signatures, thresholds and multisig, pre-auth and hash-x signers, fee bumps,
 * tx_bad_sponsorship, resubmission and malformed envelopes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  Account, Asset, Keypair, Operation, TransactionBuilder, xdr,
} from '@stellar/stellar-sdk';
import { TestNetwork, startTestNetwork } from '../src/testing';
import { account, answer, build, feeBump, funded, rawFeeBump, send, xlm } from './tx-helpers';

const pay = (to: Keypair | string, amount: string): xdr.Operation =>
  Operation.payment({ destination: typeof to === 'string' ? to : to.publicKey(), asset: Asset.native(), amount });

describe('devnet transactions (TxEnvelopeTests.cpp)', () => {
  let net: TestNetwork;
  before(async () => { net = await startTestNetwork(); });
  after(async () => { await net.close(); });

  describe('fees and sequence numbers', () => {
    it('charges base fee × operations on success and consumes the sequence number', async () => {
      const a = await funded(net);
      const b = await funded(net);
      const seq = BigInt((await account(net, a.publicKey())).sequenceNumber());
      const r = await send(net, a, [pay(b, '1'), pay(b, '2')], { fee: 500 });
      assert.ok(r.ok);
      assert.equal(await xlm(net, a.publicKey()), 1000_000_000n - 30_000_000n - 200n);
      assert.equal(BigInt((await account(net, a.publicKey())).sequenceNumber()), seq + 1n);
      const rec = await net.server.transactions().transaction(r.hash!).call();
      assert.equal(rec.fee_charged, '200');
      assert.equal(rec.max_fee, '1000');
    });

    it('a failed operation still costs the fee and the sequence number, and undoes the others (tx_failed)', async () => {
      const a = await funded(net);
      const b = await funded(net);
      const seq = BigInt((await account(net, a.publicKey())).sequenceNumber());
      const r = await send(net, a, [pay(b, '10'), pay(b, '1000')]);
      assert.deepEqual([r.transaction, r.operations], ['tx_failed', ['op_success', 'op_underfunded']]);
      assert.equal(await xlm(net, a.publicKey()), 1000_000_000n - 200n);
      assert.equal(await xlm(net, b.publicKey()), 1000_000_000n);
      assert.equal(BigInt((await account(net, a.publicKey())).sequenceNumber()), seq + 1n);
      const rec = await net.server.transactions().transaction(r.hash!).call();
      assert.equal(rec.successful, false);
      const res = xdr.TransactionResult.fromXDR(r.resultXdr!, 'base64');
      assert.equal(res.result().switch().name, 'txFailed');
      assert.equal(res.feeCharged().toString(), '200');
    });

    it('tx_bad_seq: not the next number; nothing charged', async () => {
      const a = await funded(net);
      const seq = BigInt((await account(net, a.publicKey())).sequenceNumber());
      for (const s of [seq, seq + 2n]) {
        const r = await send(net, a, [pay(net.root, '1')], { seq: s });
        assert.equal(r.transaction, 'tx_bad_seq');
      }
      assert.equal(await xlm(net, a.publicKey()), 1000_000_000n);
    });

    it('tx_insufficient_fee below 100 stroops per operation', async () => {
      const a = await funded(net);
      const r = await send(net, a, [pay(net.root, '1'), pay(net.root, '1')], { fee: 99 });
      assert.equal(r.transaction, 'tx_insufficient_fee');
    });

    it('tx_insufficient_balance when the fee would dig into the reserve', async () => {
      const a = await funded(net, '1'); // exactly the 2 × 0.5 reserve
      const r = await send(net, a, [Operation.bumpSequence({ bumpTo: '0' })]);
      assert.equal(r.transaction, 'tx_insufficient_balance');
    });

    it('tx_no_source_account for an account that does not exist', async () => {
      const ghost = Keypair.random();
      const r = await send(net, ghost, [pay(net.root, '1')], { seq: 1n });
      assert.equal(r.transaction, 'tx_no_source_account');
    });

    it('tx_missing_operation for a transaction with no operations', async () => {
      const a = await funded(net);
      const acc = await account(net, a.publicKey());
      const tx = new TransactionBuilder(acc, { fee: '100', networkPassphrase: net.passphrase })
        .addOperation(pay(net.root, '1')).setTimeout(0).build();
      const raw = tx.toEnvelope();
      raw.v1().tx().operations([]);
      const empty = TransactionBuilder.fromXDR(raw, net.passphrase);
      empty.sign(a);
      const r = await answer(net, empty as never);
      assert.equal(r.transaction, 'tx_missing_operation');
    });
  });

  describe('time bounds', () => {
    it('tx_too_early before minTime, tx_too_late after maxTime, fine inside', async () => {
      const a = await funded(net);
      const now = Math.floor(Date.now() / 1000);
      const early = await send(net, a, [pay(net.root, '1')], { timebounds: { minTime: now + 3600, maxTime: 0 } });
      assert.equal(early.transaction, 'tx_too_early');
      const late = await send(net, a, [pay(net.root, '1')], { timebounds: { minTime: 0, maxTime: now - 3600 } });
      assert.equal(late.transaction, 'tx_too_late');
      const ok = await send(net, a, [pay(net.root, '1')], { timebounds: { minTime: now - 10, maxTime: now + 3600 } });
      assert.ok(ok.ok);
    });
  });

  describe('signatures', () => {
    it('tx_bad_auth without the source signature, or signed by a stranger', async () => {
      const a = await funded(net);
      assert.equal((await send(net, a, [pay(net.root, '1')], { signSource: false })).transaction, 'tx_bad_auth');
      const r = await send(net, a, [pay(net.root, '1')], { signSource: false, signers: [Keypair.random()] });
      assert.equal(r.transaction, 'tx_bad_auth');
    });

    it('tx_bad_auth_extra for a signature nobody needed', async () => {
      const a = await funded(net);
      const r = await send(net, a, [pay(net.root, '1')], { signers: [Keypair.random()] });
      assert.equal(r.transaction, 'tx_bad_auth_extra');
      assert.equal(await xlm(net, a.publicKey()), 1000_000_000n);
    });

    it('an operation with another source needs that account\'s signature (op_bad_auth)', async () => {
      const a = await funded(net);
      const b = await funded(net);
      const op = Operation.payment({ source: b.publicKey(), destination: a.publicKey(), asset: Asset.native(), amount: '5' });
      const bad = await send(net, a, [op]);
      assert.deepEqual([bad.transaction, bad.operations], ['tx_failed', ['op_bad_auth']]);
      const ok = await send(net, a, [op], { signers: [b] });
      assert.ok(ok.ok);
      assert.equal(await xlm(net, b.publicKey()), 950_000_000n);
    });

    it('an op may use an account created earlier in the same transaction, signed by its key', async () => {
      const a = await funded(net);
      const n = Keypair.random();
      const r = await send(net, a, [
        Operation.createAccount({ destination: n.publicKey(), startingBalance: '10' }),
        Operation.manageData({ source: n.publicKey(), name: 'hello', value: 'world' }),
      ], { signers: [n] });
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal((await account(net, n.publicKey())).data_attr.hello, Buffer.from('world').toString('base64'));
    });

    it('op_no_source_account when an operation\'s source does not exist when it runs', async () => {
      const a = await funded(net);
      const ghost = Keypair.random();
      const r = await send(net, a, [Operation.manageData({ source: ghost.publicKey(), name: 'x', value: 'y' })], { signers: [ghost] });
      assert.deepEqual([r.transaction, r.operations], ['tx_failed', ['op_no_source_account']]);
    });

    it('multisig: thresholds decide, each signer counts once, weights cap at 255', async () => {
      const a = await funded(net);
      const s1 = Keypair.random();
      const s2 = Keypair.random();
      assert.ok((await send(net, a, [
        Operation.setOptions({ signer: { ed25519PublicKey: s1.publicKey(), weight: 1 } }),
        Operation.setOptions({ signer: { ed25519PublicKey: s2.publicKey(), weight: 1 } }),
        Operation.setOptions({ masterWeight: 1, lowThreshold: 1, medThreshold: 2, highThreshold: 3 }),
      ])).ok);
      // Medium (payment) needs 2: master alone is not enough, even signed twice.
      const one = await send(net, a, [pay(net.root, '1')], { signers: [a] });
      assert.deepEqual([one.transaction, one.operations], ['tx_failed', ['op_bad_auth']]);
      assert.ok((await send(net, a, [pay(net.root, '1')], { signSource: false, signers: [s1, s2] })).ok);
      // High (setOptions with weights) needs 3.
      const high = await send(net, a, [Operation.setOptions({ lowThreshold: 0 })], { signers: [s1] });
      assert.deepEqual(high.operations, ['op_bad_auth']);
      assert.ok((await send(net, a, [Operation.setOptions({ lowThreshold: 0 })], { signers: [s1, s2] })).ok);
      // Low (bumpSequence) needs nothing past a valid signature.
      assert.ok((await send(net, a, [Operation.bumpSequence({ bumpTo: '0' })], { signSource: false, signers: [s2] })).ok);

      const b = await funded(net);
      const big = Keypair.random();
      assert.ok((await send(net, b, [
        Operation.setOptions({ signer: { ed25519PublicKey: big.publicKey(), weight: 255 }, highThreshold: 255, medThreshold: 255 }),
      ])).ok);
      assert.ok((await send(net, b, [pay(net.root, '1')], { signSource: false, signers: [big] })).ok);
    });

    it('a pre-auth transaction signer authorizes exactly that transaction, once', async () => {
      const a = await funded(net);
      const seq = BigInt((await account(net, a.publicKey())).sequenceNumber());
      const future = await build(net, a, [pay(net.root, '3')], { seq: seq + 2n, signSource: false });
      assert.ok((await send(net, a, [Operation.setOptions({
        signer: { preAuthTx: future.hash(), weight: 1 },
      })])).ok);
      assert.equal((await account(net, a.publicKey())).signers.length, 2);
      const r = await answer(net, future);
      assert.ok(r.ok, JSON.stringify(r));
      const acc = await account(net, a.publicKey());
      assert.equal(acc.signers.length, 1);
      assert.equal(acc.subentry_count, 0);
    });

    it('a hash-x signer accepts the preimage as signature', async () => {
      const a = await funded(net);
      const preimage = Buffer.from('open sesame');
      const hash = createHash('sha256').update(preimage).digest();
      assert.ok((await send(net, a, [Operation.setOptions({ signer: { sha256Hash: hash, weight: 1 } })])).ok);
      const tx = await build(net, a, [pay(net.root, '1')], { signSource: false });
      tx.signHashX(preimage);
      assert.ok((await answer(net, tx)).ok);
      const wrong = await build(net, a, [pay(net.root, '1')], { signSource: false });
      wrong.signHashX(Buffer.from('open barley'));
      assert.equal((await answer(net, wrong)).transaction, 'tx_bad_auth');
    });
  });

  describe('fee bumps', () => {
    it('the fee source pays (base fee × (ops + 1)); the inner source only uses its sequence number', async () => {
      const a = await funded(net);
      const payer = await funded(net);
      const inner = await build(net, a, [pay(payer, '1')], { fee: 100 });
      const r = await answer(net, feeBump(net, payer, inner, 1000));
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(await xlm(net, payer.publicKey()), 1000_000_000n + 10_000_000n - 200n);
      assert.equal(await xlm(net, a.publicKey()), 1000_000_000n - 10_000_000n);
      const res = xdr.TransactionResult.fromXDR(r.resultXdr!, 'base64');
      assert.equal(res.result().switch().name, 'txFeeBumpInnerSuccess');
      assert.equal(res.result().innerResultPair().transactionHash().toString('hex'), inner.hash().toString('hex'));
      const rec = await net.server.transactions().transaction(r.hash!).call();
      assert.equal(rec.fee_account, payer.publicKey());
      assert.equal(rec.source_account, a.publicKey());
      assert.equal(rec.inner_transaction?.hash, inner.hash().toString('hex'));
    });

    it('an inner failure is tx_fee_bump_inner_failed, still charged to the fee source', async () => {
      const a = await funded(net);
      const payer = await funded(net);
      const inner = await build(net, a, [pay(payer, '5000')]);
      const r = await answer(net, feeBump(net, payer, inner, 400));
      assert.deepEqual([r.transaction, r.operations], ['tx_fee_bump_inner_failed', ['op_underfunded']]);
      const innerRes = xdr.TransactionResult.fromXDR(r.resultXdr!, 'base64').result().innerResultPair().result();
      assert.equal(innerRes.result().switch().name, 'txFailed');
      assert.equal(await xlm(net, payer.publicKey()), 1000_000_000n - 200n);
    });

    it('rejects a fee bump below the minimum, or unsigned by its fee source', async () => {
      const a = await funded(net);
      const payer = await funded(net);
      // A one-operation fee bump needs 100 × (1 + 1).
      const cheap = await build(net, a, [pay(payer, '1')], { fee: 50 });
      assert.equal((await answer(net, rawFeeBump(net, payer, cheap, 199))).transaction, 'tx_insufficient_fee');
      assert.ok((await answer(net, rawFeeBump(net, payer, cheap, 200))).ok);
      const inner = await build(net, a, [pay(payer, '1')]);
      assert.equal((await answer(net, feeBump(net, payer, inner, 400, false))).transaction, 'tx_bad_auth');
      const badInner = await build(net, a, [pay(payer, '1')], { seq: 1n });
      const r = await answer(net, feeBump(net, payer, badInner, 400));
      assert.equal(r.transaction, 'tx_fee_bump_inner_failed');
      const res = xdr.TransactionResult.fromXDR(r.resultXdr!, 'base64').result().innerResultPair().result();
      assert.equal(res.result().switch().name, 'txBadSeq');
    });
  });

  describe('the rest of the frame', () => {
    it('tx_bad_sponsorship when a sponsorship is left open', async () => {
      const a = await funded(net);
      const b = await funded(net);
      const r = await send(net, a, [Operation.beginSponsoringFutureReserves({ sponsoredId: b.publicKey() })]);
      assert.equal(r.transaction, 'tx_bad_sponsorship');
      assert.equal(await xlm(net, a.publicKey()), 1000_000_000n - 100n);
    });

    it('op_not_supported for operations the devnet does not implement', async () => {
      const a = await funded(net);
      const r = await send(net, a, [Operation.inflation({})]);
      assert.deepEqual([r.transaction, r.operations], ['tx_failed', ['op_not_supported']]);
    });

    it('resubmitting a known transaction returns the stored result', async () => {
      const a = await funded(net);
      const tx = await build(net, a, [pay(net.root, '1')]);
      const first = await answer(net, tx);
      const again = await answer(net, tx);
      assert.ok(first.ok && again.ok);
      assert.equal(again.ledger, first.ledger);
      const bad = await build(net, a, [pay(net.root, '99999')]);
      const f1 = await answer(net, bad);
      const f2 = await answer(net, bad);
      assert.deepEqual([f2.transaction, f2.operations, f2.resultXdr], [f1.transaction, f1.operations, f1.resultXdr]);
      assert.equal(await xlm(net, a.publicKey()), 1000_000_000n - 10_000_000n - 200n);
    });

    it('undecodable XDR is transaction_malformed, and the network carries on', async () => {
      const out = await net.devnet.submit('AAAA not xdr');
      assert.equal(out.ok, false);
      assert.ok('malformed' in out);
      const a = await funded(net);
      assert.ok((await send(net, a, [pay(net.root, '1')])).ok);
    });

    it('a v0 envelope is accepted and hashed as its v1 form', async () => {
      const a = await funded(net);
      const acc = await account(net, a.publicKey());
      const v1 = new TransactionBuilder(new Account(a.publicKey(), acc.sequenceNumber()), {
        fee: '100', networkPassphrase: net.passphrase,
      }).addOperation(pay(net.root, '1')).setTimeout(0).build();
      const t = v1.toEnvelope().v1().tx();
      const v0tx = new xdr.TransactionV0({
        sourceAccountEd25519: a.rawPublicKey(), fee: t.fee(), seqNum: t.seqNum(),
        timeBounds: t.cond().timeBounds(), memo: t.memo(), operations: t.operations(), ext: new xdr.TransactionV0Ext(0),
      });
      const sig = a.signDecorated(v1.hash());
      const env = xdr.TransactionEnvelope.envelopeTypeTxV0(new xdr.TransactionV0Envelope({ tx: v0tx, signatures: [sig] }));
      const out = await net.devnet.submit(env.toXDR('base64'));
      assert.ok(out.ok, 'malformed' in out ? out.malformed : String(!out.ok && out.codes.transaction));
      assert.equal(out.ok && out.record.hash, v1.hash().toString('hex'));
    });
  });
});
