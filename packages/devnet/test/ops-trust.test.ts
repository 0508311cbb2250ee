/**
 * changeTrust, allowTrust, setTrustLineFlags and clawback over HTTP
 * (ChangeTrustTests, AllowTrustTests, SetTrustLineFlagsTests, ClawbackTests).
 */
import assert from 'node:assert/strict';
import { Asset, AuthClawbackEnabledFlag, AuthRevocableFlag, AuthRequiredFlag, Keypair, Operation, xdr } from '@stellar/stellar-sdk';
import { TestNetwork, credit, startTestNetwork } from '../src/testing';
import { account, funded, send } from './tx-helpers';

describe('devnet trust operations', () => {
  let net: TestNetwork;
  before(async () => { net = await startTestNetwork(); });
  after(async () => { await net.close(); });

  const line = async (holder: Keypair, asset: Asset): Promise<Record<string, unknown> | undefined> =>
    (await account(net, holder.publicKey())).balances.find(
      (b) => 'asset_code' in b && b.asset_code === asset.code && b.asset_issuer === asset.issuer,
    ) as Record<string, unknown> | undefined;

  describe('changeTrust (ChangeTrustTests)', () => {
    it('creates (authorized unless AUTH_REQUIRED), changes the limit, deletes at 0', async () => {
      const issuer = await funded(net);
      const a = await funded(net);
      const usd = credit('USD', issuer);
      const r = await send(net, a, [Operation.changeTrust({ asset: usd, limit: '100' })]);
      assert.ok(r.ok);
      let tl = await line(a, usd);
      assert.deepEqual([tl?.limit, tl?.is_authorized], ['100.0000000', true]);
      assert.equal((await account(net, a.publicKey())).subentry_count, 1);
      assert.ok((await send(net, a, [Operation.changeTrust({ asset: usd, limit: '50' })])).ok);
      tl = await line(a, usd);
      assert.equal(tl?.limit, '50.0000000');
      assert.ok((await send(net, a, [Operation.changeTrust({ asset: usd, limit: '0' })])).ok);
      assert.equal(await line(a, usd), undefined);
      assert.equal((await account(net, a.publicKey())).subentry_count, 0);

      assert.ok((await send(net, issuer, [Operation.setOptions({ setFlags: (AuthRequiredFlag | AuthRevocableFlag | AuthClawbackEnabledFlag) as never })])).ok);
      assert.ok((await send(net, a, [Operation.changeTrust({ asset: usd })])).ok);
      tl = await line(a, usd);
      assert.deepEqual([tl?.is_authorized, tl?.is_clawback_enabled], [false, true]);
    });

    it('op_malformed, op_no_issuer, op_invalid_limit, op_low_reserve', async () => {
      const issuer = await funded(net);
      const a = await funded(net, '1.0001');
      const usd = credit('USD', issuer);
      const code = async (src: Keypair, op: xdr.Operation): Promise<string | undefined> => (await send(net, src, [op])).operations?.[0];
      assert.equal(await code(issuer, Operation.changeTrust({ asset: usd })), 'op_malformed');
      const neg = Operation.changeTrust({ asset: usd, limit: '1' });
      neg.body().changeTrustOp().limit(xdr.Int64.fromString('-1'));
      assert.equal(await code(issuer, neg), 'op_malformed');
      assert.equal(await code(a, Operation.changeTrust({ asset: credit('EUR', Keypair.random()) })), 'op_no_issuer');
      assert.equal(await code(a, Operation.changeTrust({ asset: usd, limit: '0' })), 'op_invalid_limit');
      assert.equal(await code(a, Operation.changeTrust({ asset: usd })), 'op_low_reserve');

      const b = await funded(net);
      assert.ok((await send(net, b, [Operation.changeTrust({ asset: usd })])).ok);
      assert.ok((await send(net, issuer, [Operation.payment({ destination: b.publicKey(), asset: usd, amount: '10' })])).ok);
      assert.equal(await code(b, Operation.changeTrust({ asset: usd, limit: '9.9999999' })), 'op_invalid_limit');
      assert.equal(await code(b, Operation.changeTrust({ asset: usd, limit: '0' })), 'op_invalid_limit');
      assert.ok((await send(net, b, [Operation.changeTrust({ asset: usd, limit: '10' })])).ok);
    });
  });

  describe('allowTrust and setTrustLineFlags (TrustFlagsOpFrameBase)', () => {
    it('authorize, maintain liabilities, revoke (deleting offers in the asset), with effects', async () => {
      const issuer = await funded(net);
      assert.ok((await send(net, issuer, [Operation.setOptions({ setFlags: (AuthRequiredFlag | AuthRevocableFlag) as never })])).ok);
      const a = await funded(net);
      const usd = credit('USD', issuer);
      assert.ok((await send(net, a, [Operation.changeTrust({ asset: usd })])).ok);
      const auth = await send(net, issuer, [Operation.allowTrust({ trustor: a.publicKey(), assetCode: 'USD', authorize: 1 })]);
      assert.ok(auth.ok);
      const fx = await net.server.effects().forTransaction(auth.hash!).call();
      assert.deepEqual(fx.records.map((e) => e.type), ['trustline_authorized', 'trustline_flags_updated']);
      assert.equal((await line(a, usd))?.is_authorized, true);

      assert.ok((await send(net, a, [Operation.manageSellOffer({ selling: Asset.native(), buying: usd, amount: '10', price: '1' })])).ok);
      assert.equal((await account(net, a.publicKey())).subentry_count, 2);
      assert.ok((await send(net, issuer, [Operation.setTrustLineFlags({
        trustor: a.publicKey(), asset: usd, flags: { authorized: false, authorizedToMaintainLiabilities: true },
      })])).ok);
      assert.equal((await account(net, a.publicKey())).subentry_count, 2, 'maintain-liabilities keeps offers');
      assert.ok((await send(net, issuer, [Operation.allowTrust({ trustor: a.publicKey(), assetCode: 'USD', authorize: 0 })])).ok);
      const acc = await account(net, a.publicKey());
      assert.equal(acc.subentry_count, 1, 'the offer is gone');
      const native = acc.balances.find((b) => b.asset_type === 'native') as unknown as Record<string, unknown>;
      assert.equal(native.selling_liabilities, '0.0000000');
      assert.equal((await line(a, usd))?.is_authorized, false);
    });

    it('op_malformed, op_no_trust, op_cant_revoke, op_invalid_state', async () => {
      const issuer = await funded(net);
      const a = await funded(net);
      const usd = credit('USD', issuer);
      const code = async (op: xdr.Operation): Promise<string | undefined> => (await send(net, issuer, [op])).operations?.[0];
      assert.equal(await code(Operation.allowTrust({ trustor: issuer.publicKey(), assetCode: 'USD', authorize: 1 })), 'op_malformed');
      assert.equal(await code(Operation.allowTrust({ trustor: a.publicKey(), assetCode: 'USD', authorize: 1 })), 'op_no_trust');
      const other = credit('USD', Keypair.random());
      assert.equal(await code(Operation.setTrustLineFlags({ trustor: a.publicKey(), asset: other, flags: { authorized: true } })), 'op_malformed');
      assert.equal(await code(Operation.setTrustLineFlags({ trustor: a.publicKey(), asset: usd, flags: { clawbackEnabled: true } })), 'op_malformed');
      assert.equal(await code(Operation.setTrustLineFlags({ trustor: a.publicKey(), asset: usd, flags: { authorized: true } })), 'op_no_trust');
      assert.ok((await send(net, a, [Operation.changeTrust({ asset: usd })])).ok);
      // Not revocable: no lowering of authorization.
      assert.equal(await code(Operation.allowTrust({ trustor: a.publicKey(), assetCode: 'USD', authorize: 0 })), 'op_cant_revoke');
      assert.equal(await code(Operation.allowTrust({ trustor: a.publicKey(), assetCode: 'USD', authorize: 2 })), 'op_cant_revoke');
      assert.equal(await code(Operation.setTrustLineFlags({ trustor: a.publicKey(), asset: usd, flags: { authorized: false } })), 'op_cant_revoke');
      assert.equal(await code(Operation.setTrustLineFlags({ trustor: a.publicKey(), asset: usd, flags: { authorizedToMaintainLiabilities: true } })), 'op_invalid_state');
    });
  });

  describe('clawback (ClawbackTests)', () => {
    it('burns from a clawback-enabled trustline, even a frozen one; every code', async () => {
      const issuer = await funded(net);
      assert.ok((await send(net, issuer, [Operation.setOptions({ setFlags: (AuthRevocableFlag | AuthClawbackEnabledFlag) as never })])).ok);
      const a = await funded(net);
      const usd = credit('USD', issuer);
      assert.ok((await send(net, a, [Operation.changeTrust({ asset: usd })])).ok);
      assert.ok((await send(net, issuer, [Operation.payment({ destination: a.publicKey(), asset: usd, amount: '10' })])).ok);
      assert.ok((await send(net, issuer, [Operation.setTrustLineFlags({ trustor: a.publicKey(), asset: usd, flags: { authorized: false } })])).ok);
      const r = await send(net, issuer, [Operation.clawback({ asset: usd, from: a.publicKey(), amount: '4' })]);
      assert.ok(r.ok);
      assert.equal((await line(a, usd))?.balance, '6.0000000');
      const fx = await net.server.effects().forTransaction(r.hash!).call();
      assert.deepEqual(fx.records.map((e) => [e.type, e.account]), [['account_credited', issuer.publicKey()], ['account_debited', a.publicKey()]]);

      const code = async (op: xdr.Operation, src = issuer): Promise<string | undefined> => (await send(net, src, [op])).operations?.[0];
      assert.equal(await code(Operation.clawback({ asset: usd, from: a.publicKey(), amount: '6.0000001' })), 'op_underfunded');
      assert.equal(await code(Operation.clawback({ asset: usd, from: issuer.publicKey(), amount: '1' })), 'op_malformed');
      assert.equal(await code(Operation.clawback({ asset: usd, from: issuer.publicKey(), amount: '1' }), a), 'op_malformed');
      assert.equal(await code(Operation.clawback({ asset: usd, from: (await funded(net)).publicKey(), amount: '1' })), 'op_no_trust');
      assert.ok((await send(net, issuer, [Operation.setTrustLineFlags({ trustor: a.publicKey(), asset: usd, flags: { clawbackEnabled: false } })])).ok);
      assert.equal(await code(Operation.clawback({ asset: usd, from: a.publicKey(), amount: '1' })), 'op_not_clawback_enabled');
    });
  });
});
