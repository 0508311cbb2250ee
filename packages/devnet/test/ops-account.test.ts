/**
 * createAccount, accountMerge, bumpSequence, manageData and setOptions over HTTP
 * (CreateAccountTests, MergeTests, BumpSequenceTests, ManageDataTests,
 * SetOptionsTests): every result code, balances, subentries and Horizon effects.
 */
import assert from 'node:assert/strict';
import { Keypair, Operation, xdr } from '@stellar/stellar-sdk';
import { TestNetwork, startTestNetwork } from '../src/testing';
import { account, funded, send, xlm } from './tx-helpers';

const effectsOf = async (net: TestNetwork, hash: string): Promise<Array<[string, string]>> => {
  const page = await net.server.effects().forTransaction(hash).limit(50).call();
  return page.records.map((e) => [e.type, e.account]);
};

describe('devnet account operations', () => {
  let net: TestNetwork;
  before(async () => { net = await startTestNetwork(); });
  after(async () => { await net.close(); });

  describe('createAccount (CreateAccountTests)', () => {
    it('creates with sequence ledger << 32, moves the balance, reports details and effects', async () => {
      const a = await funded(net);
      const n = Keypair.random();
      const r = await send(net, a, [Operation.createAccount({ destination: n.publicKey(), startingBalance: '12.5' })]);
      assert.ok(r.ok);
      const acc = await account(net, n.publicKey());
      assert.equal(BigInt(acc.sequenceNumber()), BigInt(r.ledger!) << 32n);
      assert.equal(await xlm(net, n.publicKey()), 125_000_000n);
      assert.equal(await xlm(net, a.publicKey()), 1000_000_000n - 125_000_000n - 100n);
      assert.deepEqual(await effectsOf(net, r.hash!), [
        ['account_created', n.publicKey()], ['account_debited', a.publicKey()], ['signer_created', n.publicKey()],
      ]);
      const ops = await net.server.operations().forTransaction(r.hash!).call();
      const op = ops.records[0] as unknown as Record<string, unknown>;
      assert.deepEqual([op.type, op.funder, op.account, op.starting_balance],
        ['create_account', a.publicKey(), n.publicKey(), '12.5000000']);
    });

    it('op_malformed (to itself), op_already_exists, op_low_reserve, op_underfunded', async () => {
      const a = await funded(net, '10');
      const code = async (dest: string, amount: string): Promise<string | undefined> =>
        (await send(net, a, [Operation.createAccount({ destination: dest, startingBalance: amount })])).operations?.[0];
      assert.equal(await code(a.publicKey(), '1'), 'op_malformed');
      assert.equal(await code(net.root.publicKey(), '1'), 'op_already_exists');
      assert.equal(await code(Keypair.random().publicKey(), '0.9999999'), 'op_low_reserve');
      assert.equal(await code(Keypair.random().publicKey(), '9.5'), 'op_underfunded');
      assert.equal(await code(Keypair.random().publicKey(), '8.9999'), undefined);
    });
  });

  describe('accountMerge (MergeTests)', () => {
    it('moves the whole balance, deletes the source and reports its balance in the result', async () => {
      const a = await funded(net, '50');
      const b = await funded(net);
      const r = await send(net, a, [Operation.accountMerge({ destination: b.publicKey() })]);
      assert.ok(r.ok);
      await assert.rejects(net.server.loadAccount(a.publicKey()), /Not Found/i);
      assert.equal(await xlm(net, b.publicKey()), 1000_000_000n + 500_000_000n - 100n);
      const res = xdr.TransactionResult.fromXDR(r.resultXdr!, 'base64');
      assert.equal(res.result().results()[0].tr().accountMergeResult().sourceAccountBalance().toString(), String(500_000_000 - 100));
      assert.deepEqual((await effectsOf(net, r.hash!)).map((e) => e[0]), ['account_debited', 'account_credited', 'account_removed']);
    });

    it('op_malformed, op_no_account, op_immutable_set, op_has_sub_entries, op_seq_num_too_far, op_is_sponsor', async () => {
      const a = await funded(net);
      const code = async (src: Keypair, dest: string, pre: xdr.Operation[] = []): Promise<string[] | undefined> =>
        (await send(net, src, [...pre, Operation.accountMerge({ destination: dest })])).operations;
      assert.deepEqual(await code(a, a.publicKey()), ['op_malformed']);
      assert.deepEqual(await code(a, Keypair.random().publicKey()), ['op_no_account']);
      const imm = await funded(net);
      assert.ok((await send(net, imm, [Operation.setOptions({ setFlags: 4 })])).ok);
      assert.deepEqual(await code(imm, a.publicKey()), ['op_immutable_set']);
      const sub = await funded(net);
      assert.ok((await send(net, sub, [Operation.manageData({ name: 'k', value: 'v' })])).ok);
      assert.deepEqual(await code(sub, a.publicKey()), ['op_has_sub_entries']);
      const far = await funded(net);
      const ledger = (await net.server.ledgers().order('desc').limit(1).call()).records[0].sequence;
      assert.deepEqual(await code(far, a.publicKey(), [Operation.bumpSequence({ bumpTo: ((BigInt(ledger) + 5n) << 32n).toString() })]),
        ['op_success', 'op_seq_num_too_far']);
      const sponsor = await funded(net);
      const kid = Keypair.random();
      assert.ok((await send(net, sponsor, [
        Operation.beginSponsoringFutureReserves({ sponsoredId: kid.publicKey() }),
        Operation.createAccount({ destination: kid.publicKey(), startingBalance: '0' }),
        Operation.endSponsoringFutureReserves({ source: kid.publicKey() }),
      ], { signers: [kid] })).ok);
      assert.deepEqual(await code(sponsor, a.publicKey()), ['op_is_sponsor']);
    });

    it('signers (even sponsored ones) go with the account', async () => {
      const a = await funded(net);
      const b = await funded(net);
      assert.ok((await send(net, a, [Operation.setOptions({ signer: { ed25519PublicKey: Keypair.random().publicKey(), weight: 1 } })])).ok);
      assert.ok((await send(net, a, [Operation.accountMerge({ destination: b.publicKey() })])).ok);
    });
  });

  describe('bumpSequence (BumpSequenceTests)', () => {
    it('raises the sequence number; lower targets are a no-op; negative is op_bad_seq', async () => {
      const a = await funded(net);
      const seq = BigInt((await account(net, a.publicKey())).sequenceNumber());
      const r = await send(net, a, [Operation.bumpSequence({ bumpTo: (seq + 100n).toString() })]);
      assert.ok(r.ok);
      assert.equal(BigInt((await account(net, a.publicKey())).sequenceNumber()), seq + 100n);
      assert.deepEqual((await effectsOf(net, r.hash!)).map((e) => e[0]), ['sequence_bumped']);
      assert.ok((await send(net, a, [Operation.bumpSequence({ bumpTo: '1' })])).ok);
      assert.equal(BigInt((await account(net, a.publicKey())).sequenceNumber()), seq + 101n);
      const neg = Operation.bumpSequence({ bumpTo: '1' });
      neg.body().bumpSequenceOp().bumpTo(xdr.Int64.fromString('-1'));
      assert.deepEqual((await send(net, a, [neg])).operations, ['op_bad_seq']);
    });
  });

  describe('manageData (ManageDataTests)', () => {
    it('creates, updates and deletes an entry, one subentry while it lives', async () => {
      const a = await funded(net);
      assert.ok((await send(net, a, [Operation.manageData({ name: 'greeting', value: 'hi' })])).ok);
      let acc = await account(net, a.publicKey());
      assert.equal(acc.subentry_count, 1);
      assert.equal(acc.data_attr.greeting, Buffer.from('hi').toString('base64'));
      assert.ok((await send(net, a, [Operation.manageData({ name: 'greeting', value: 'hello' })])).ok);
      acc = await account(net, a.publicKey());
      assert.equal(acc.data_attr.greeting, Buffer.from('hello').toString('base64'));
      const r = await send(net, a, [Operation.manageData({ name: 'greeting', value: null })]);
      assert.ok(r.ok);
      acc = await account(net, a.publicKey());
      assert.equal(acc.subentry_count, 0);
      assert.equal(acc.data_attr.greeting, undefined);
      assert.deepEqual((await effectsOf(net, r.hash!)).map((e) => e[0]), ['data_removed']);
    });

    it('op_data_name_not_found, op_data_invalid_name, op_low_reserve', async () => {
      const a = await funded(net, '1.0000200');
      assert.deepEqual((await send(net, a, [Operation.manageData({ name: 'none', value: null })])).operations, ['op_data_name_not_found']);
      const bad = Operation.manageData({ name: 'x', value: 'y' });
      bad.body().manageDataOp().dataName('bad\nname');
      assert.deepEqual((await send(net, a, [bad])).operations, ['op_data_invalid_name']);
      assert.deepEqual((await send(net, a, [Operation.manageData({ name: 'k', value: 'v' })])).operations, ['op_low_reserve']);
    });
  });

  describe('setOptions (SetOptionsTests)', () => {
    it('signers: add, update weight, remove; subentries follow; Horizon signer effects', async () => {
      const a = await funded(net);
      const s = Keypair.random();
      const add = await send(net, a, [Operation.setOptions({ signer: { ed25519PublicKey: s.publicKey(), weight: 2 } })]);
      let acc = await account(net, a.publicKey());
      assert.equal(acc.subentry_count, 1);
      assert.deepEqual(acc.signers.map((x) => [x.key, x.weight]).sort(), [[a.publicKey(), 1], [s.publicKey(), 2]].sort());
      assert.deepEqual((await effectsOf(net, add.hash!)).map((e) => e[0]), ['signer_created']);
      const upd = await send(net, a, [Operation.setOptions({ signer: { ed25519PublicKey: s.publicKey(), weight: 5 } })]);
      assert.deepEqual((await effectsOf(net, upd.hash!)).map((e) => e[0]), ['signer_updated']);
      assert.equal((await account(net, a.publicKey())).subentry_count, 1);
      const del = await send(net, a, [Operation.setOptions({ signer: { ed25519PublicKey: s.publicKey(), weight: 0 } })]);
      assert.deepEqual((await effectsOf(net, del.hash!)).map((e) => e[0]), ['signer_removed']);
      acc = await account(net, a.publicKey());
      assert.equal(acc.subentry_count, 0);
      assert.equal(acc.signers.length, 1);
    });

    it('thresholds, home domain and flags, with their effects', async () => {
      const a = await funded(net);
      const r = await send(net, a, [Operation.setOptions({
        lowThreshold: 1, medThreshold: 2, highThreshold: 3, homeDomain: 'example.org', setFlags: 3 as never,
      })]);
      assert.ok(r.ok);
      const acc = await account(net, a.publicKey());
      assert.deepEqual(acc.thresholds, { low_threshold: 1, med_threshold: 2, high_threshold: 3 });
      assert.equal(acc.home_domain, 'example.org');
      assert.deepEqual([acc.flags.auth_required, acc.flags.auth_revocable], [true, true]);
      assert.deepEqual((await effectsOf(net, r.hash!)).map((e) => e[0]),
        ['account_home_domain_updated', 'account_thresholds_updated', 'account_flags_updated']);
    });

    it('every result code', async () => {
      const a = await funded(net, '10');
      const code = async (o: Parameters<typeof Operation.setOptions>[0], src = a): Promise<string | undefined> =>
        (await send(net, src, [Operation.setOptions(o)])).operations?.[0];
      assert.equal(await code({ setFlags: 16 as never }), 'op_unknown_flag');
      assert.equal(await code({ setFlags: 1, clearFlags: 1 }), 'op_bad_flags');
      const big = Operation.setOptions({ masterWeight: 1 });
      big.body().setOptionsOp().masterWeight(256);
      assert.deepEqual((await send(net, a, [big])).operations, ['op_threshold_out_of_range']);
      assert.equal(await code({ signer: { ed25519PublicKey: a.publicKey(), weight: 1 } }), 'op_bad_signer');
      assert.equal(await code({ inflationDest: Keypair.random().publicKey() }), 'op_invalid_inflation');
      assert.equal(await code({ setFlags: 8 }), 'op_auth_revocable_required');
      const poor = await funded(net, '1.0001');
      assert.equal(await code({ signer: { ed25519PublicKey: Keypair.random().publicKey(), weight: 1 } }, poor), 'op_low_reserve');
      const bad = Operation.setOptions({ homeDomain: 'x' });
      bad.body().setOptionsOp().homeDomain('bad\u0001domain');
      assert.deepEqual((await send(net, a, [bad])).operations, ['op_invalid_home_domain']);

      const imm = await funded(net);
      assert.ok((await send(net, imm, [Operation.setOptions({ setFlags: 4 })])).ok);
      assert.equal(await code({ clearFlags: 4 }, imm), 'op_cant_change');
      assert.equal(await code({ setFlags: 1 }, imm), 'op_cant_change');

      const many = await funded(net, '100');
      const signers = Array.from({ length: 20 }, () => Operation.setOptions({ signer: { ed25519PublicKey: Keypair.random().publicKey(), weight: 1 } }));
      assert.ok((await send(net, many, signers)).ok);
      assert.equal(await code({ signer: { ed25519PublicKey: Keypair.random().publicKey(), weight: 1 } }, many), 'op_too_many_signers');
    });
  });
});
