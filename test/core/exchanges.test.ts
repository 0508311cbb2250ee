import assert from 'node:assert/strict';
import { isCommunityError } from '../../src/core';
import { Community } from '../../src/core/communities/model';
import { TestCore, startTestCore, units } from '../helpers/core';

const HOUR = 10_000_000n;

describe('mirrored exchanges (src/core/exchanges), whichever protocol reaches them', function () {
  this.timeout(60000);
  let core: TestCore;
  let ex: Community;
  before(async () => {
    core = await startTestCore();
    const c = await core.exchanges.create({ code: 'MIR1', name: 'Mirror', kind: 'cxp', rate: { n: 1, d: 60 }, creditLimitHour: 50n * HOUR, maxBalanceHour: 200n * HOUR }, 'test');
    assert.ok(!isCommunityError(c), c as string);
    ex = c;
  });
  after(async () => { await core?.close(); });

  it('creates the community with its import-export account sized to the exchange\'s limits in HOUR', async function () {
    const p = await core.exchanges.importExport(ex.id);
    assert.equal(p.account.kind, 'import_export');
    assert.equal(p.account.creditLimit, units('3000'), '50 HOUR at 60 units per HOUR');
    assert.equal(p.account.maxBalance, units('12000'));
    assert.deepEqual(core.exchanges.limitsHour(p), { min: -50n * HOUR, max: 200n * HOUR });
    assert.equal(await core.exchanges.balanceHour(p), 0n);
    const mirror = await core.exchanges.get(ex.id);
    assert.equal(mirror?.creditLimitHour, 50n * HOUR);
    assert.equal(mirror?.firstTradeAt, null);
  });

  it('keeps the limits the same in HOUR across rate changes, however often they round', async function () {
    for (const rate of [{ n: 1, d: 7 }, { n: 3, d: 1 }, { n: 38, d: 35 }, { n: 1, d: 60 }]) {
      const c = await core.rates.change(ex, rate, 'test');
      assert.ok(!isCommunityError(c), String(c));
      const p = await core.exchanges.importExport(ex.id);
      const l = core.exchanges.limitsHour(p);
      // The ledger holds local units: less than one local stroop of rounding (in HOUR), never cumulative.
      const stroop = BigInt(Math.ceil(rate.n / rate.d));
      assert.ok(-l.min <= 50n * HOUR && -l.min > 50n * HOUR - stroop, `${rate.n}/${rate.d}: min ${l.min}`);
      assert.ok(l.max <= 200n * HOUR && l.max > 200n * HOUR - stroop, `${rate.n}/${rate.d}: max ${l.max}`);
    }
    assert.equal((await core.exchanges.importExport(ex.id)).account.creditLimit, units('3000'), 'back at the first rate, exactly the first limits');
  });

  it('counts trades (compensations aside) and remembers only the first', async function () {
    const hosted = await core.community('HOS1');
    const member = await core.member(hosted, '100', '1000');
    await core.creditLines.set(hosted, ex, '1000', 'test');
    await core.creditLines.set(ex, hosted, '100000', 'test');
    assert.equal(await core.exchanges.tradeCount(ex.id), 0);
    const t = await core.transfers.settle({ idempotencyKey: 'mirror-trade-1', payer: member, payee: await core.exchanges.importExport(ex.id), amount: units('60') });
    assert.ok(typeof t !== 'string', String(t));
    assert.equal(t.state, 'settled');
    assert.equal(await core.exchanges.tradeCount(ex.id), 1);
    await core.exchanges.noteTrade(ex.id);
    const first = (await core.exchanges.get(ex.id))?.firstTradeAt;
    assert.ok(first instanceof Date);
    await new Promise((r) => setTimeout(r, 20));
    await core.exchanges.noteTrade(ex.id);
    assert.equal((await core.exchanges.get(ex.id))?.firstTradeAt?.getTime(), first.getTime(), 'the first trade stays the first');
  });

  it('records a declared balance that does not match, and accepts one within rounding', async function () {
    const p = await core.exchanges.importExport(ex.id);
    const hub = await core.exchanges.balanceHour(p);
    assert.deepEqual(await core.exchanges.checkDeclaredBalance(p, -hub + 999n, { volume: null, integrity: true }), { matches: true, hub });
    assert.equal(await core.exchanges.mismatchCount(ex.id), 0);
    assert.deepEqual(await core.exchanges.checkDeclaredBalance(p, -hub + HOUR, { volume: 5n, integrity: true }), { matches: false, hub });
    const [m] = await core.exchanges.mismatches(ex.id);
    assert.deepEqual([m.declared, m.hub, m.volume], [-hub + HOUR, hub, 5n]);
    assert.equal(await core.exchanges.mismatchCount(ex.id), 1);
  });

  it('writes the protocol\'s own rows with the community, so a failure there leaves no community behind', async function () {
    await assert.rejects(core.exchanges.create({
      code: 'MIR2', name: 'Half made', kind: 'cxp', rate: { n: 1, d: 1 }, creditLimitHour: HOUR, maxBalanceHour: HOUR,
      async alsoWrite() { throw new Error('the protocol\'s row could not be written'); },
    }, 'test'), /could not be written/);
    assert.ok(isCommunityError(await core.communities.getByCode('MIR2')), 'nothing was created');
  });

});
