import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allowlist, checkEntry } from '../../../protocols/clearing-central/allowlist';
import { readForm, writeForm } from '../../../protocols/clearing-central/form';
import { amountText, convRateToRate, readAmount } from '../../../protocols/clearing-central/translate';
import { TestStorage, openTestStorage } from '../../helpers/storage';

describe('Clearing Central: amounts, rates, forms, allowlists', () => {
  it('reads amounts exactly, refusing garbage, > 7 decimals and ≤ 0 (zero only for a reversal)', () => {
    assert.equal(readAmount('20'), 200000000n);
    assert.equal(readAmount('0.0100'), 100000n);
    assert.equal(readAmount('123.45'), 1234500000n);
    assert.equal(readAmount('0.0000001'), 1n);
    for (const bad of ['0', '-1', '1.12345678', '1e3', 'abc', '', '1.', '.5', '+1', '1,5', ' 1', '922337203685.4775808']) assert.equal(readAmount(bad), null, bad);
    assert.equal(readAmount('0', { zero: true }), 0n);
    assert.equal(amountText(1234500000n), '123.45');
    assert.equal(amountText(200000000n), '20');
  });

  it('conv_rate (units per hour) is the rate 1/conv_rate as an exact fraction', () => {
    assert.deepEqual(convRateToRate('60'), { n: 1, d: 60 });
    assert.deepEqual(convRateToRate('2.5'), { n: 2, d: 5 });
    assert.deepEqual(convRateToRate('0.5'), { n: 2, d: 1 });
    assert.deepEqual(convRateToRate('1'), { n: 1, d: 1 });
    for (const bad of ['0', '0.0', 'x', '-1', '1e2', '99999999999']) assert.equal(convRateToRate(bad), null, bad);
  });

  it('parses url-encoded text into a flat map, the last value of a key winning, tolerating bad escapes', () => {
    const f = readForm('txid=a%20b&amount=1&amount=2&a[b]=c&desc=x+y&bad=%zz%41&pct=100%&=x&flag');
    assert.deepEqual([...f], [['txid', 'a b'], ['amount', '2'], ['a[b]', 'c'], ['desc', 'x y'], ['bad', '%zzA'], ['pct', '100%'], ['flag', '']]);
    fc.assert(fc.property(fc.array(fc.tuple(fc.string({ minLength: 1 }), fc.string())), (pairs) => {
      const text = writeForm(pairs);
      const back = readForm(text);
      for (const [k] of pairs) assert.ok(back.has(k));
    }));
  });

  it('allows addresses and CIDR blocks, IPv4 (also as ::ffff:) and IPv6', () => {
    const a = allowlist(['203.0.113.0/24', '198.51.100.7', '2001:db8::/32']);
    assert.ok(a.allows('203.0.113.99'));
    assert.ok(a.allows('::ffff:203.0.113.1'));
    assert.ok(a.allows('198.51.100.7'));
    assert.ok(a.allows('2001:db8:1::5'));
    assert.ok(!a.allows('198.51.100.8'));
    assert.ok(!a.allows('10.0.0.1'));
    assert.ok(!a.allows('not an ip'));
    assert.equal(checkEntry('10.0.0.0/8'), null);
    assert.match(checkEntry('10.0.0.0/33')!, /prefix/);
    assert.match(checkEntry('10.0.0/8')!, /not an address/);
    assert.match(checkEntry('1.2.3.4/8/9')!, /not an address/);
  });
});

describe('Clearing Central: its tables under row level security', function () {
  let s: TestStorage;
  before(async () => { s = await openTestStorage(); });
  after(async () => { await s.cleanup(); });

  it('a community sees and writes only its own connection and pending admissions', async () => {
    const a = await s.register('CCA1', 'A');
    const b = await s.register('CCB1', 'B');
    await s.db.community(a.id, (trx) => trx('cc_connections').insert({ community_id: a.id, base_url: 'https://cc.example', nid: 'cen0101', allowed_ips: ['10.0.0.1'], path_hash: 'x' }));
    await s.db.community(a.id, (trx) => trx('cc_pending_admissions').insert({ community_id: a.id, nid: 'cen0999' }));
    for (const table of ['cc_connections', 'cc_pending_admissions']) {
      assert.deepEqual(await s.db.community(b.id, (trx) => trx(table).select('community_id')), [], table);
      assert.deepEqual(await s.db.hub((trx) => trx(table).select('community_id')), [], `${table}, hub-wide`);
      assert.equal((await s.db.community(a.id, (trx) => trx(table).select('community_id'))).length, 1, table);
    }
    await assert.rejects(s.db.community(b.id, (trx) => trx('cc_pending_admissions').insert({ community_id: a.id, nid: 'cen0998' })), /row-level security/);
    await assert.rejects(s.db.community(b.id, (trx) => trx('cc_connections').insert({ community_id: a.id, base_url: 'x', nid: 'cen0102', allowed_ips: [], path_hash: 'y' })), /row-level security/);
  });

  it('the CES exchange registry is read hub-wide and written only in the exchange\'s own scope', async () => {
    const x = await s.register('CCX1', 'X', 'ces');
    const y = await s.register('CCY1', 'Y', 'ces');
    const row = { community_id: x.id, nid: 'cen0201', name: 'X', country: 'ZA', conv_rate: '1' };
    await assert.rejects(s.db.community(y.id, (trx) => trx('cc_exchanges').insert(row)), /row-level security/);
    await s.db.community(x.id, (trx) => trx('cc_exchanges').insert(row));
    assert.deepEqual((await s.db.hub((trx) => trx('cc_exchanges').select('nid'))).map((r) => r.nid), ['cen0201']);
    const changed = await s.db.community(y.id, (trx) => trx('cc_exchanges').where({ community_id: x.id }).update({ name: 'taken' }));
    assert.equal(changed, 0);
    assert.equal((await s.db.hub((trx) => trx('cc_exchanges').first('name'))).name, 'X');
  });
});
