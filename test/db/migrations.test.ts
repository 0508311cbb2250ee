import assert from 'node:assert/strict';
import { TestStorage, openTestStorage } from '../helpers/storage';

const MIRROR = '20261203000000_mirror_exchanges.ts';

describe('migration: mirrored exchanges move into the core\'s tables', function () {
  let s: TestStorage;
  before(async () => { s = await openTestStorage(); });
  after(async () => { await s.cleanup(); });

  it('moves a CXP exchange\'s HOUR limits, first trade and mismatches, and back again', async function () {
    const owner = s.db.owner;
    await owner.migrate.down({ name: MIRROR });
    const c = await s.register('MIG1', 'Migrated exchange', 'cxp');
    const traded = new Date('2026-11-30T12:00:00Z');
    await owner('cxp_exchanges').insert({
      community_id: c.id, uri: 'https://lets.example/mig', uri_key: 'lets.example/mig', title: 'Mig', hawk_id: 'cxp-mig',
      min_hour: '-500000000', max_hour: '2000000000', first_trade_at: traded,
    });
    await owner('cxp_balance_mismatches').insert({ community_id: c.id, declared: '10', hub: '-20', integrity: true });

    await owner.migrate.latest();
    const m = await owner('mirror_exchanges').where({ community_id: c.id }).first();
    assert.equal(String(m.credit_limit_hour), '500000000');
    assert.equal(String(m.max_balance_hour), '2000000000');
    assert.equal(new Date(m.first_trade_at).toISOString(), traded.toISOString());
    const mismatches = await owner('mirror_balance_mismatches').where({ community_id: c.id });
    assert.deepEqual(mismatches.map((r) => [String(r.declared), String(r.hub)]), [['10', '-20']]);
    assert.ok(!(await owner.schema.hasColumn('cxp_exchanges', 'min_hour')), 'the limits live in one place');

    await owner.migrate.down({ name: MIRROR });
    const back = await owner('cxp_exchanges').where({ community_id: c.id }).first();
    assert.deepEqual([String(back.min_hour), String(back.max_hour)], ['-500000000', '2000000000']);
    assert.equal((await owner('cxp_balance_mismatches').where({ community_id: c.id })).length, 1);
    await owner.migrate.latest();
  });

  it('keeps mirror rows isolated by community (row level security)', async function () {
    const a = await s.register('MIG2', 'A', 'cxp');
    const b = await s.register('MIG3', 'B', 'cxp');
    await s.db.community(a.id, (trx) => trx('mirror_exchanges').insert({ community_id: a.id, credit_limit_hour: '1', max_balance_hour: '1' }));
    const seen = await s.db.community(b.id, (trx) => trx('mirror_exchanges').select('community_id'));
    assert.deepEqual(seen, []);
    await assert.rejects(s.db.community(b.id, (trx) => trx('mirror_exchanges').insert({ community_id: a.id, credit_limit_hour: '1', max_balance_hour: '1' })), /row-level security/);
  });
});
