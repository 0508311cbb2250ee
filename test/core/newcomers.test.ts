import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isTransferError } from '../../src/core/transfers/errors';
import { TestCore, startTestCore, units } from '../helpers/core';

/**
 * The default path for newcomers (NEWCOMER_COMMUNITY): every community created after the
 * hub community gets reciprocal lines with it, so two newcomers trade at once, rippling.
 */
describe('a default path for newcomers', function () {
  this.timeout(300000);
  let core: TestCore;
  before(async () => { core = await startTestCore({ newcomers: { community: 'HUBC', limitHour: units('50') } }); });
  after(async () => { await core?.close(); });

  it('links each new community to the hub community both ways, in each side\'s units, and lets newcomers pay each other through it', async () => {
    const hub = await core.community('HUBC');
    assert.deepEqual(await core.creditLines.list(hub), [], 'the hub community links to no one by itself');
    const a = await core.community('NWA1');
    const b = await core.community('NWB1', { rate: { n: 1, d: 10 } });
    const line = async (truster: typeof a, peer: typeof a) => (await core.creditLines.list(truster)).find((l) => l.peerId === peer.id)?.limit;
    assert.equal(await line(a, hub), units('50'));
    assert.equal(await line(hub, a), units('50'));
    assert.equal(await line(b, hub), units('500'), '50 HOUR in a currency worth a tenth of an hour');
    assert.equal(await line(hub, b), units('50'));
    // NWA1 and NWB1 never agreed on anything, yet a payment goes NWA1 → HUBC → NWB1.
    const [pa, pb] = [await core.member(a), await core.member(b)];
    const t = await core.transfers.settle({ idempotencyKey: `test|${randomUUID()}`, payer: pa, payee: pb, amount: units('100') });
    assert.ok(!isTransferError(t) && t.state === 'settled', isTransferError(t) ? t : `${t.state} ${t.errorCode}`);
    assert.equal(await core.balance(pa), -units('10'));
    // The lines are ordinary: a governing body may remove its own (NWA1 holds nothing of HUBC's), not one in use.
    assert.equal(await core.creditLines.set(b, hub, '0', 'nwb1-board'), 'below_outstanding');
    assert.ok(!(await core.creditLines.set(a, hub, '0', 'nwa1-board')));
    assert.equal(await line(a, hub), undefined);
  });
});
