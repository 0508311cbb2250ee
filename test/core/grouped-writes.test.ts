import assert from 'node:assert/strict';
import { isTransferError } from '../../src/core/transfers/errors';
import { createGroupedWriter } from '../../src/core/transfers/grouped-writes';
import { Transfer } from '../../src/core/transfers/model';
import { Party } from '../../src/core/transfers/service';
import { TestCore, startTestCore, units } from '../helpers/core';

let seq = 0;
const key = () => `test|grouped|${Date.now()}-${++seq}`;

describe('grouped transfer writes (one envelope, one trip)', function () {
  this.timeout(120000);
  let core: TestCore;
  let ab: Transfer;
  let ba: Transfer;

  const settle = async (payer: Party, payee: Party): Promise<Transfer> => {
    const t = await core.transfers.settle({ idempotencyKey: key(), payer, payee, amount: units('1') });
    assert.ok(!isTransferError(t) && t.state === 'settled', String(t));
    return t as Transfer;
  };
  const stateOf = async (t: Transfer) => (await core.transfers.get(t.communityId, t.id))?.state;
  const recorded = async (hash: string) => core.storage.db.hub(async (trx) => (await trx('submissions').where({ hash })).length);

  before(async () => {
    core = await startTestCore();
    const A = await core.community('GWA1');
    const B = await core.community('GWB1');
    const a = await core.member(A, '100');
    const b = await core.member(B, '100');
    await core.creditLines.set(B, A, '50', 'test');
    await core.creditLines.set(A, B, '50', 'test');
    ab = await settle(a, b); // a row of community A
    ba = await settle(b, a); // a row of community B
  });
  after(async () => {
    await core?.close();
  });

  it('writes every row of a group across communities, with its envelope, in one go', async () => {
    const w = createGroupedWriter(core.storage.db, core.process.id);
    const hash = `${'a'.repeat(63)}1`;
    const [x, y] = await Promise.all([
      w.write('g1', ab, { state: 'delivered' }, ['settled'], { hash, envelope: 'AAAA' }),
      w.write('g1', ba, { state: 'delivered' }, ['settled'], { hash, envelope: 'AAAA' }),
    ]);
    assert.deepEqual([x.state, y.state], ['delivered', 'delivered']);
    assert.equal(await recorded(hash), 1);
  });

  it('writes nothing when one row is not in its expected state, in any community', async () => {
    const w = createGroupedWriter(core.storage.db, core.process.id);
    const hash = `${'b'.repeat(63)}2`;
    const results = await Promise.allSettled([
      w.write('g2', ab, { state: 'compensated' }, ['delivered'], { hash, envelope: 'BBBB' }),
      w.write('g2', ba, { state: 'compensated' }, ['settled'], { hash, envelope: 'BBBB' }), // it is delivered: stale
    ]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.match(String((results[0] as PromiseRejectedResult).reason), /stale transfers: 1 of 1/);
    assert.equal(await stateOf(ab), 'delivered', "A's row, written first in the same trip, is undone");
    assert.equal(await stateOf(ba), 'delivered');
    assert.equal(await recorded(hash), 0, 'the envelope is not recorded either');
  });
});
