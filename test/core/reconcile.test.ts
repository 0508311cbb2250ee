import assert from 'node:assert/strict';
import { Asset, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { currencyOf } from '../../src/core/communities/currency';
import { createReconciler, Reconciler } from '../../src/core/reconcile';
import { createLogger } from '../../src/logger';
import { TestCore, startTestCore, units } from '../helpers/core';

describe('reconciliation of the database mirror with the ledger', function () {
  this.timeout(120000);
  let core: TestCore;
  let reconciler: Reconciler;

  before(async () => {
    core = await startTestCore();
    reconciler = createReconciler({ ...core, db: core.storage.db, ledger: core.ledger, logger: createLogger('silent') });
  });
  after(async () => {
    await core?.close();
  });

  it('finds nothing on a hub in step with its ledger', async () => {
    const A = await core.community('RCA1');
    const B = await core.community('RCB1');
    const a = await core.member(A, '100');
    const b = await core.member(B, '100');
    await core.creditLines.set(B, A, '50', 'test');
    const t = await core.transfers.settle({ idempotencyKey: 'rc-1', payer: a, payee: b, amount: units('5') });
    assert.ok(typeof t !== 'string' && t.state === 'settled');
    await core.rebalancer.idle();
    assert.deepEqual(await reconciler.run({ repair: true }), []);
  });

  it('reports drift, repairs what is safe, and leaves the rest for a person', async () => {
    const owner = core.storage.db.owner;
    const A = await core.community('RDA1');
    const B = await core.community('RDB1');
    const a = await core.member(A, '100', '1000');
    await core.creditLines.set(B, A, '40', 'test');
    // 1. The governing body's limit in the database differs from the ledger's.
    await owner('credit_lines').where({ community_id: B.id, peer_id: A.id }).update({ limit: units('60').toString() });
    await owner('accounts').where({ id: a.account.id }).update({ max_balance: units('2000').toString() });
    // 2. A trader offer disappears from the ledger.
    const keys = core.keyring.lookup(B.id);
    const traderKp = Keypair.fromSecret((await keys((B.ledgerAccounts as { externalTrader: string }).externalTrader)).reveal());
    const offers = await core.net.server.offers().forAccount(traderKp.publicKey()).call();
    const victim = offers.records[0];
    const account = await core.net.server.loadAccount(traderKp.publicKey());
    const inner = new TransactionBuilder(account, { fee: '100', networkPassphrase: core.net.passphrase }).setTimeout(60)
      .addOperation(Operation.manageSellOffer({
        selling: new Asset(victim.selling.asset_code!, victim.selling.asset_issuer!),
        buying: new Asset(victim.buying.asset_code!, victim.buying.asset_issuer!),
        amount: '0', price: victim.price_r, offerId: victim.id,
      })).build();
    inner.sign(traderKp);
    const bump = TransactionBuilder.buildFeeBumpTransaction(core.net.root, '200', inner, core.net.passphrase);
    bump.sign(core.net.root);
    await core.net.server.submitTransaction(bump);
    // 3. A settled transfer whose hash the ledger never saw.
    const [row] = await owner('transfers').insert({
      community_id: A.id, payee_community_id: A.id, idempotency_key: 'rc-bogus', request_hash: 'x',
      payer_account_id: a.account.id, payee_account_id: a.account.id, amount: '1', state: 'settled',
      ledger_hash: 'ab'.repeat(32),
    }).returning('id');

    const found = await reconciler.run({ repair: false });
    const kinds = (c: string) => found.filter((d) => d.community === c).map((d) => d.kind).sort();
    assert.deepEqual(kinds('RDA1'), ['account_limit', 'transfer_not_on_ledger']);
    assert.deepEqual(kinds('RDB1'), ['credit_line_limit', 'trader_offers']);
    assert.ok(found.every((d) => !d.repaired));
    assert.ok(found.find((d) => d.kind === 'transfer_not_on_ledger')?.subject === row.id);

    const repaired = await reconciler.run({ repair: true });
    assert.deepEqual(repaired.filter((d) => d.repaired).map((d) => d.kind).sort(),
      ['account_limit', 'credit_line_limit', 'trader_offers'].sort());
    assert.equal((await core.ledger.inspectAccount(currencyOf(A), a.account.publicKey))?.limit, units('2100'));
    assert.equal(await core.creditLines.usage(B, A), 0n);

    // What was safe is now in step; the bogus transfer is still reported, never "fixed".
    const after = await reconciler.run({ repair: true });
    assert.deepEqual(after.map((d) => d.kind), ['transfer_not_on_ledger']);
  });
});
