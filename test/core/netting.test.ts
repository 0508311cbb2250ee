import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fromHour } from '../../src/core/amounts';
import { currencyOf } from '../../src/core/communities/currency';
import { isTransferError } from '../../src/core/transfers/errors';
import { Party } from '../../src/core/transfers/service';
import { TestCore, startTestCore, units } from '../helpers/core';

/**
 * Netting previews on real positions: payments on the devnet leave each community's
 * trader holding the others' HOUR; the preview reads that from the ledger and shows the
 * largest clearing among the communities that opted in.
 */
describe('netting preview on the ledger', function () {
  this.timeout(300000);
  let core: TestCore;

  before(async () => { core = await startTestCore(); });
  after(async () => { await core?.close(); });

  const pay = async (payer: Party, payee: Party, amount: string) => {
    const t = await core.transfers.settle({ idempotencyKey: `test|netting|${randomUUID()}`, payer, payee, amount: units(amount) });
    assert.ok(!isTransferError(t) && t.state === 'settled', `payment ${amount}: ${isTransferError(t) ? t : `${t.state} ${t.errorCode}`}`);
  };

  it('clears the loop A→B→C→A by its smallest side, leaves the rest, and says who is left out', async () => {
    const [A, B, C, D] = [await core.community('NTA1'), await core.community('NTB1'), await core.community('NTC1'), await core.community('NTD1', { rate: { n: 2, d: 1 } })];
    // Each pays the next: the payee's community accepts the payer's HOUR.
    for (const [truster, peer] of [[B, A], [C, B], [A, C], [A, D]] as const) await core.creditLines.set(truster, peer, '100', 'test');
    const [a, b, c, d] = [await core.member(A), await core.member(B), await core.member(C), await core.member(D)];
    await pay(a, b, '10');
    await pay(b, c, '6');
    await pay(c, a, '8');
    await pay(d, a, '5'); // A holds 5 HOUR of D's: D has not opted in
    const balances = await Promise.all([a, b, c, d].map((p) => core.balance(p)));

    for (const x of [A, B, C]) await core.netting.setSettings(x, { optedIn: true, cap: null }, 'test');
    const p = await core.netting.preview();
    assert.deepEqual(p.leftOut.filter((l) => l.community.code.startsWith('NT')).map((l) => [l.community.code, l.reason]), [['NTD1', 'not_opted_in']]);
    const pos = (debtor: string, creditor: string) => p.positions.find((x) => x.debtor === debtor && x.creditor === creditor);
    assert.deepEqual([pos(A.id, B.id)?.amount, pos(A.id, B.id)?.cleared], [units('10'), units('6')]);
    assert.deepEqual([pos(B.id, C.id)?.amount, pos(B.id, C.id)?.cleared], [units('6'), units('6')]);
    assert.deepEqual([pos(C.id, A.id)?.amount, pos(C.id, A.id)?.cleared], [units('8'), units('6')]);
    assert.equal(pos(D.id, A.id), undefined, 'a position with a community that did not opt in is not in the clearing');
    assert.equal(p.gross, units('24'));
    assert.equal(p.cleared, units('18'));
    const row = p.communities.find((x) => x.community.id === A.id)!;
    assert.deepEqual([row.claimsBefore, row.claimsAfter, row.debtsBefore, row.debtsAfter, row.roomFreed],
      [units('8'), units('2'), units('10'), units('4'), units('6')]);

    // A cap of 2 (its units) on B holds the whole loop to 2.
    await core.netting.setSettings(B, { optedIn: true, cap: units('2') }, 'test');
    assert.equal((await core.netting.preview()).cleared, units('6'));
    // A preview changes nothing on the ledger.
    assert.deepEqual(await Promise.all([a, b, c, d].map((x) => core.balance(x))), balances);
    assert.equal(await core.creditLines.usage(B, A), units('10'));

    // The run clears on the ledger exactly what the preview showed (B capped at 2).
    const planned = (await core.netting.preview()).positions;
    const run = await core.netting.run('test');
    assert.equal(run.state, 'done', run.error ?? '');
    assert.equal(run.cleared, units('6'));
    assert.equal(run.hashes.length, 1, 'one loop, one transaction');
    for (const [truster, peer] of [[B, A], [C, B], [A, C], [A, D]] as const) {
      const x = planned.find((q) => q.debtor === peer.id && q.creditor === truster.id);
      const before = x ? x.amount : (peer === D ? units('5') : 0n);
      assert.equal(await core.ledger.creditLineUsage(currencyOf(truster), currencyOf(peer)), fromHour(before - (x?.cleared ?? 0n), { n: truster.rateN, d: truster.rateD }, 'up'),
        `${truster.code} holds of ${peer.code}'s HOUR`);
    }
    // Nobody's balance moved, and the book still carries payments both ways once rebalanced.
    assert.deepEqual(await Promise.all([a, b, c, d].map((x) => core.balance(x))), balances);
    await core.rebalancer.idle();
    const drift = await core.reconciler.run({ repair: false });
    assert.deepEqual(drift.filter((x) => ['NTA1', 'NTB1', 'NTC1', 'NTD1'].includes(x.community)), []);
    await pay(b, a, '3');
    await pay(a, b, '5');
    assert.equal((await core.netting.runs(1))[0].id, run.id);
  });

  it('finishes a run a crash left open from what the ledger knows of its transactions', async () => {
    // The communities of the test before take no part any more.
    for (const c of await core.communities.list()) await core.netting.setSettings(c, { optedIn: false, cap: null }, 'test');
    const [A, B] = [await core.community('NTE1'), await core.community('NTF1')];
    await core.creditLines.set(B, A, '100', 'test');
    await core.creditLines.set(A, B, '100', 'test');
    const [a, b] = [await core.member(A), await core.member(B)];
    await pay(a, b, '4');
    await pay(b, a, '3');
    for (const x of [A, B]) await core.netting.setSettings(x, { optedIn: true, cap: null }, 'test');
    const done = await core.netting.run('test');
    assert.equal(done.state, 'done', done.error ?? '');
    assert.equal(done.cleared, units('6'));
    // As if the process died after sending: the row still says running.
    const o = core.storage.db.owner;
    await o('netting_runs').where({ id: done.id }).update({ state: 'running', cleared: 0, finished_at: null });
    await o('netting_runs').insert({ id: randomUUID(), actor: 'test', plan: JSON.stringify([{ legs: [{ debtor: A.id, creditor: B.id, amount: '1' }] }]), gross: '1', hashes: ['0:' + '0'.repeat(64)] });
    await core.netting.resume();
    const [never, resumed] = await core.netting.runs(2);
    assert.deepEqual([resumed.id, resumed.state, resumed.cleared], [done.id, 'done', units('6')]);
    assert.deepEqual([never.state, never.cleared], ['failed', 0n]);
    assert.match(never.error ?? '', /interrupted: 0 of 1/);
  });
});
