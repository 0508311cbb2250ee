import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isTransferError } from '../../src/core/transfers/errors';
import { TestCore, startTestCore, units } from '../helpers/core';

/** Effective trade limits: derived from the lines both ways, the same figures from either side. */
describe('effective trade limits', function () {
  this.timeout(300000);
  let core: TestCore;
  before(async () => { core = await startTestCore(); });
  after(async () => { await core?.close(); });

  it('A\'s surplus with B is B\'s deficit with A, from the lines and what they carry', async () => {
    const [A, B] = [await core.community('TLA1'), await core.community('TLB1', { rate: { n: 1, d: 2 } })];
    await core.creditLines.set(A, B, '100', 'test'); // A accepts 100 HOUR of B's
    await core.creditLines.set(B, A, '100', 'test'); // B accepts 100 B = 50 HOUR of A's
    const [a, b] = [await core.member(A), await core.member(B)];
    const t = await core.transfers.settle({ idempotencyKey: `test|${randomUUID()}`, payer: a, payee: b, amount: units('60') }); // 30 HOUR
    assert.ok(!isTransferError(t) && t.state === 'settled');
    const all = await core.communities.list();
    const [la, lb] = [await core.creditLines.tradeLimits(A, all), await core.creditLines.tradeLimits(B, all)];
    const pa = la.pairs.find((p) => p.peer.id === B.id)!;
    const pb = lb.pairs.find((p) => p.peer.id === A.id)!;
    // A can sell 100 HOUR more on its own line, plus the 30 B holds of A's; buy 20 more on B's line.
    assert.deepEqual([pa.surplus, pa.deficit], [units('130'), units('20')]);
    assert.deepEqual([pb.surplus, pb.deficit], [pa.deficit, pa.surplus]);
    // In total, within what each trader can pay out and take in.
    assert.ok(la.surplus <= pa.surplus && la.deficit <= pa.deficit);
    assert.ok(lb.surplus <= pb.surplus && lb.deficit <= pb.deficit);
  });
});
