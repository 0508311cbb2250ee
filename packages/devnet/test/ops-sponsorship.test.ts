/**
 * begin/endSponsoringFutureReserves and revokeSponsorship over HTTP
 * (BeginSponsoringFutureReservesTests, RevokeSponsorshipTests): sandwiches, who
 * pays which reserve, every result code.
 */
import assert from 'node:assert/strict';
import { Keypair, Operation } from '@stellar/stellar-sdk';
import { TestNetwork, credit, startTestNetwork } from '../src/testing';
import { account, funded, send } from './tx-helpers';

describe('devnet sponsorship operations', () => {
  let net: TestNetwork;
  before(async () => { net = await startTestNetwork(); });
  after(async () => { await net.close(); });

  const counts = async (k: Keypair): Promise<[number, number, number]> => {
    const a = await account(net, k.publicKey()) as unknown as { subentry_count: number; num_sponsoring: number; num_sponsored: number };
    return [a.subentry_count, a.num_sponsoring, a.num_sponsored];
  };

  it('a sponsored account may start with 0 XLM; its reserves are the sponsor\'s', async () => {
    const sponsor = await funded(net);
    const kid = Keypair.random();
    const issuer = await funded(net);
    const r = await send(net, sponsor, [
      Operation.beginSponsoringFutureReserves({ sponsoredId: kid.publicKey() }),
      Operation.createAccount({ destination: kid.publicKey(), startingBalance: '0' }),
      Operation.changeTrust({ source: kid.publicKey(), asset: credit('USD', issuer) }),
      Operation.manageData({ source: kid.publicKey(), name: 'k', value: 'v' }),
      Operation.endSponsoringFutureReserves({ source: kid.publicKey() }),
    ], { signers: [kid] });
    assert.ok(r.ok, JSON.stringify(r.operations));
    assert.deepEqual(await counts(sponsor), [0, 4, 0]);
    assert.deepEqual(await counts(kid), [2, 0, 4]);
    const acc = await account(net, kid.publicKey()) as unknown as { sponsor?: string };
    assert.equal(acc.sponsor, sponsor.publicKey());
    const fx = await net.server.effects().forTransaction(r.hash!).limit(50).call();
    const types = fx.records.map((e) => e.type);
    for (const t of ['account_sponsorship_created', 'trustline_sponsorship_created', 'data_sponsorship_created']) {
      assert.ok(types.includes(t as never), t);
    }
    const ops = await net.server.operations().forTransaction(r.hash!).call();
    const end = ops.records[4] as unknown as Record<string, unknown>;
    assert.equal(end.begin_sponsor, sponsor.publicKey());
  });

  it('op_malformed, op_already_sponsored, op_recursive, op_not_sponsored, tx_bad_sponsorship', async () => {
    const a = await funded(net);
    const b = await funded(net);
    const c = await funded(net);
    const ops = async (src: Keypair, o: Parameters<typeof send>[2], signers: Keypair[] = []) =>
      (await send(net, src, o, { signers })).operations;
    assert.deepEqual(await ops(a, [Operation.beginSponsoringFutureReserves({ sponsoredId: a.publicKey() })]), ['op_malformed']);
    assert.deepEqual(await ops(a, [
      Operation.beginSponsoringFutureReserves({ sponsoredId: b.publicKey() }),
      Operation.beginSponsoringFutureReserves({ sponsoredId: b.publicKey() }),
      Operation.endSponsoringFutureReserves({ source: b.publicKey() }),
    ], [b]), ['op_success', 'op_already_sponsored', 'op_success']);
    assert.deepEqual(await ops(a, [
      Operation.beginSponsoringFutureReserves({ sponsoredId: b.publicKey() }),
      Operation.beginSponsoringFutureReserves({ source: b.publicKey(), sponsoredId: c.publicKey() }),
      Operation.endSponsoringFutureReserves({ source: b.publicKey() }),
    ], [b]), ['op_success', 'op_recursive', 'op_success']);
    assert.deepEqual(await ops(a, [
      Operation.beginSponsoringFutureReserves({ sponsoredId: b.publicKey() }),
      Operation.beginSponsoringFutureReserves({ source: c.publicKey(), sponsoredId: a.publicKey() }),
      Operation.endSponsoringFutureReserves({ source: b.publicKey() }),
    ], [c, b]), ['op_success', 'op_recursive', 'op_success']);
    assert.deepEqual(await ops(a, [Operation.endSponsoringFutureReserves({})]), ['op_not_sponsored']);
    const open = await send(net, a, [
      Operation.beginSponsoringFutureReserves({ sponsoredId: b.publicKey() }),
      Operation.manageData({ source: b.publicKey(), name: 'x', value: 'y' }),
    ], { signers: [b] });
    assert.equal(open.transaction, 'tx_bad_sponsorship');
    assert.deepEqual(await counts(b), [0, 0, 0]);
  });

  it('the sponsor\'s reserve must cover the entry (op_low_reserve)', async () => {
    const poor = await funded(net, '1.0001');
    const b = await funded(net);
    const r = await send(net, poor, [
      Operation.beginSponsoringFutureReserves({ sponsoredId: b.publicKey() }),
      Operation.manageData({ source: b.publicKey(), name: 'x', value: 'y' }),
      Operation.endSponsoringFutureReserves({ source: b.publicKey() }),
    ], { signers: [b] });
    assert.deepEqual(r.operations, ['op_success', 'op_low_reserve', 'op_success']);
  });

  describe('revokeSponsorship', () => {
    it('removes, establishes and transfers sponsorship of an entry and of a signer', async () => {
      const s1 = await funded(net);
      const s2 = await funded(net);
      const owner = await funded(net);
      const signer = Keypair.random().publicKey();
      assert.ok((await send(net, s1, [
        Operation.beginSponsoringFutureReserves({ sponsoredId: owner.publicKey() }),
        Operation.manageData({ source: owner.publicKey(), name: 'k', value: 'v' }),
        Operation.setOptions({ source: owner.publicKey(), signer: { ed25519PublicKey: signer, weight: 1 } }),
        Operation.endSponsoringFutureReserves({ source: owner.publicKey() }),
      ], { signers: [owner] })).ok);
      assert.deepEqual(await counts(s1), [0, 2, 0]);
      assert.deepEqual(await counts(owner), [2, 0, 2]);

      // Transfer: s1 revokes while s2 sponsors s1's future reserves.
      const t = await send(net, s2, [
        Operation.beginSponsoringFutureReserves({ sponsoredId: s1.publicKey() }),
        Operation.revokeDataSponsorship({ source: s1.publicKey(), account: owner.publicKey(), name: 'k' }),
        Operation.revokeSignerSponsorship({ source: s1.publicKey(), account: owner.publicKey(), signer: { ed25519PublicKey: signer } }),
        Operation.endSponsoringFutureReserves({ source: s1.publicKey() }),
      ], { signers: [s1] });
      assert.ok(t.ok, JSON.stringify(t.operations));
      assert.deepEqual(await counts(s1), [0, 0, 0]);
      assert.deepEqual(await counts(s2), [0, 2, 0]);
      const fx = await net.server.effects().forTransaction(t.hash!).call();
      assert.deepEqual(fx.records.map((e) => e.type), ['data_sponsorship_updated', 'signer_sponsorship_updated']);

      // Remove: the owner pays again.
      assert.ok((await send(net, s2, [
        Operation.revokeDataSponsorship({ account: owner.publicKey(), name: 'k' }),
        Operation.revokeSignerSponsorship({ account: owner.publicKey(), signer: { ed25519PublicKey: signer } }),
      ])).ok);
      assert.deepEqual(await counts(s2), [0, 0, 0]);
      assert.deepEqual(await counts(owner), [2, 0, 0]);

      // Establish: the owner hands its own entry to a sponsor.
      assert.ok((await send(net, s1, [
        Operation.beginSponsoringFutureReserves({ sponsoredId: owner.publicKey() }),
        Operation.revokeAccountSponsorship({ source: owner.publicKey(), account: owner.publicKey() }),
        Operation.endSponsoringFutureReserves({ source: owner.publicKey() }),
      ], { signers: [owner] })).ok);
      assert.deepEqual(await counts(s1), [0, 2, 0]);
      assert.deepEqual(await counts(owner), [2, 0, 2]);
    });

    it('op_does_not_exist, op_not_sponsor, op_low_reserve, op_malformed', async () => {
      const a = await funded(net);
      const b = await funded(net);
      const code = async (src: Keypair, op: Parameters<typeof send>[2][number]) => (await send(net, src, [op])).operations?.[0];
      assert.equal(await code(a, Operation.revokeDataSponsorship({ account: a.publicKey(), name: 'nope' })), 'op_does_not_exist');
      assert.equal(await code(a, Operation.revokeAccountSponsorship({ account: Keypair.random().publicKey() })), 'op_does_not_exist');
      assert.equal(await code(a, Operation.revokeSignerSponsorship({ account: a.publicKey(), signer: { ed25519PublicKey: b.publicKey() } })), 'op_does_not_exist');
      assert.equal(await code(a, Operation.revokeAccountSponsorship({ account: b.publicKey() })), 'op_not_sponsor');
      assert.equal(await code(a, Operation.revokeTrustlineSponsorship({ account: a.publicKey(), asset: credit('USD', a) })), 'op_malformed');
      assert.equal(await code(a, Operation.revokeOfferSponsorship({ seller: a.publicKey(), offerId: '0' })), 'op_malformed');

      // Removing a sponsorship needs the owner to afford its own reserve.
      const poorKid = Keypair.random();
      assert.ok((await send(net, a, [
        Operation.beginSponsoringFutureReserves({ sponsoredId: poorKid.publicKey() }),
        Operation.createAccount({ destination: poorKid.publicKey(), startingBalance: '0.5' }),
        Operation.endSponsoringFutureReserves({ source: poorKid.publicKey() }),
      ], { signers: [poorKid] })).ok);
      assert.equal(await code(a, Operation.revokeAccountSponsorship({ account: poorKid.publicKey() })), 'op_low_reserve');
    });
  });
});
