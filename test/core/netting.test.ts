import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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
    await pay(d, a, '5'); // 10 HOUR of D's at A: D has not opted in
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
  });
});
