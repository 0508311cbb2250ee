import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { TestHub, startGovernanceHub, token } from '../../governance/api';
import { CcExchangeRecord, ClearingCentral, CesClient, cesClient, parseStr, startClearingCentral } from './emulator';
import { admitCes, balance, connect, forwardFields, hosted } from './helpers';

describe('Clearing Central: bills CES members send members here', function () {
  this.timeout(180000);
  const admin = token();
  let h: TestHub;
  let cc: ClearingCentral;
  let grn: CcExchangeRecord & { dataUrl: string };
  let seller: CesClient;
  const uuid = () => crypto.randomUUID();

  before(async () => {
    h = await startGovernanceHub({ GOVERNANCE_TOKENS: `admin:${admin}` }, admin);
    cc = await startClearingCentral();
    await hosted(h, 'GRN1', [{ code: 'GRN10001', creditLimit: '100', maxBalance: '1000' }, { code: 'GRN10002', creditLimit: '100', maxBalance: '1000' }]);
    grn = await connect(h, cc, { community: 'GRN1', nid: 'cen0001' });
    const ces = await admitCes(h, cc, { code: 'CES1', nid: 'cen0042', convRate: '10' });
    seller = cesClient(cc.url, ces);
    // CES1 accepts up to 1000 of its units (100 HOUR) of GRN1's HOUR.
    assert.equal((await h.call('PUT', '/communities/CES1/credit-lines/GRN1', { body: { limit: '1000' } })).status, 200);
  });
  after(async () => {
    await cc?.stop();
    await h?.close();
  });

  const bill = (extra: Record<string, string> = {}) => ({
    txid: uuid(), buyer_nid: 'cen0001', buyer_id: 'GRN10001', seller_id: 'ZA420001', seller_name: 'Thandi', seller_email: 'thandi@ces.example',
    seller_xname: 'CES', seller_country: 'ZA', outgoing: '1', description: 'two loaves & a cake', amount: '20', ...extra,
  });

  it('shows the data_url to register, with the formats, and rate 1/conv_rate for the exchange', async () => {
    const r = await h.call('GET', '/clearing-central/connections/GRN1');
    assert.equal(r.status, 200);
    assert.match(r.body.dataUrl, /^http:\/\/127\.0\.0\.1:\d+\/clearing-central\/GRN1\/[A-Za-z0-9_-]{43}$/);
    assert.deepEqual([r.body.requestFormat, r.body.responseFormat, r.body.nid], ['post', 'post', 'cen0001']);
    const ex = await h.call('GET', '/clearing-central/exchanges');
    assert.deepEqual(ex.body.exchanges.map((e: any) => [e.code, e.nid, e.rate.n, e.rate.d]), [['CES1', 'cen0042', 1, 10]]);
  });

  it('a bill through Clearing Central pays once: the buyer here, the exchange\'s import-export account there (1, unencoded success body)', async () => {
    const b = bill();
    const r = await seller.bill(b);
    assert.equal(r.get('response'), '1', JSON.stringify([...r]));
    assert.equal(r.get('buyer_name'), 'GRN10001');
    assert.equal(r.get('amount'), '20');
    // 20 CES units = 2 hours = 2 GRN.
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '-2.0000000');
    assert.equal(await balance(h, 'CES1', 'IMPORT-EXPORT'), '20.0000000');
    // The original answers a repeat itself (6), before any forward.
    assert.equal((await seller.bill(b)).get('response'), '6');
    // A Clearing Central that forwards it again anyway: answered 1 again, not paid again.
    const again = await cc.forward(grn, forwardFields({ txid: b.txid, buyer: 'cen0001', seller: 'cen0042', amount: '2', description: 'two loaves &amp; a cake', buyerId: 'GRN10001' }));
    assert.equal(again.fields.get('response'), '1', again.body);
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '-2.0000000');
  });

  it('the Drupal 7 client\'s form body and a get-format data_url work the same', async () => {
    assert.equal((await seller.bill(bill({ amount: '10' }), 'drupal7')).get('response'), '1');
    grn.requestFormat = 'get';
    try {
      assert.equal((await seller.bill(bill({ amount: '10' }))).get('response'), '1');
    } finally {
      grn.requestFormat = 'post';
    }
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '-4.0000000');
  });

  it('an unknown member is 2; over a limit or blocked is 4; nothing changes', async () => {
    const unknown = await seller.bill(bill({ buyer_id: 'NOBODY' }));
    assert.equal(unknown.get('response'), '2');
    assert.equal(unknown.get('buyer_id'), 'NOBODY');
    const over = await seller.bill(bill({ amount: '5000' }));
    assert.equal(over.get('response'), '4');
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '-4.0000000');
    // The rows a bill reads are kept for a moment (2 s, as CXP's): a block takes effect within it.
    const settle = () => new Promise((r) => setTimeout(r, 2100));
    assert.equal((await h.call('PUT', '/communities/CES1/status', { body: { status: 'blocked' } })).status, 200);
    await settle();
    try {
      assert.equal((await seller.bill(bill({ buyer_id: 'GRN10002' }))).get('response'), '4');
    } finally {
      assert.equal((await h.call('PUT', '/communities/CES1/status', { body: { status: 'active' } })).status, 200);
      await settle();
    }
    assert.equal(await balance(h, 'GRN1', 'GRN10002'), '0.0000000');
  });

  it('a failed attempt is retried when sent again, not answered as a repeat', async () => {
    const txid = uuid();
    const f = (amount: string) => forwardFields({ txid, buyer: 'cen0001', seller: 'cen0042', amount, buyerId: 'GRN10001' });
    assert.equal((await cc.forward(grn, f('500'))).fields.get('response'), '4');
    // The same bill, for less (an edit the original forwards): paid now.
    assert.equal((await cc.forward(grn, f('1'))).fields.get('response'), '1');
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '-5.0000000');
  });

  it('faulty data is 5 and changes nothing: garbage, > 7 decimals, ≤ 0, no txid, bad NIDs, another community\'s NID', async () => {
    const base = { txid: uuid(), buyer: 'cen0001', seller: 'cen0042', buyerId: 'GRN10001' };
    for (const amount of ['abc', '1.12345678', '0', '-1', '1e3', '', ' ', '0x10', '1,5', 'NaN', '99999999999999999999']) {
      const r = await cc.forward(grn, forwardFields({ ...base, txid: uuid(), amount }));
      assert.equal(r.fields.get('response'), '5', `amount ${JSON.stringify(amount)}: ${r.body}`);
    }
    const noTxid = (await cc.forward(grn, forwardFields({ ...base, amount: '1' }).map(([k, v]): [string, string] => [k, k === 'txid' ? '' : v]))).fields;
    assert.equal(noTxid.get('response'), '5');
    // "|" separates the parts of an idempotency key: no txid may carry it.
    assert.equal((await cc.forward(grn, forwardFields({ ...base, txid: `${base.txid}|edit|1`, amount: '1' }))).fields.get('response'), '5');
    assert.equal((await cc.forward(grn, forwardFields({ ...base, buyer: 'cen1', amount: '1' }))).fields.get('response'), '5');
    assert.equal((await cc.forward(grn, forwardFields({ ...base, buyer: 'cen0002', amount: '1' }))).fields.get('response'), '5');
    assert.equal((await cc.forward(grn, forwardFields({ ...base, seller: 'xyz', amount: '1' }))).fields.get('response'), '5');
    // An edit of a txid never seen names no buyer.
    assert.equal((await cc.forward(grn, forwardFields({ txid: uuid(), buyer: 'cen0001', seller: 'cen0042', amount: '1' }))).fields.get('response'), '5');
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '-5.0000000');
  });

  it('edits move the difference, audited; amount 0 reverses the whole bill; a repeated edit pays once', async () => {
    const b = bill({ amount: '30' });
    assert.equal((await seller.bill(b)).get('response'), '1');
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '-8.0000000');
    // The seller re-sends the txid with another amount: Clearing Central forwards an edit (five fields).
    const up = await seller.bill({ ...b, amount: '50' });
    assert.equal(up.get('response'), '1', JSON.stringify([...up]));
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '-10.0000000');
    const down = await seller.bill({ ...b, amount: '10' });
    assert.equal(down.get('response'), '1');
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '-6.0000000');
    // The same edit forwarded again: 1, no money moves.
    const repeat = await cc.forward(grn, forwardFields({ txid: b.txid, buyer: 'cen0001', seller: 'cen0042', amount: '1', description: 'two loaves &amp; a cake' }));
    assert.equal(repeat.fields.get('response'), '1');
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '-6.0000000');
    const gone = await seller.bill({ ...b, amount: '0', description: '' });
    assert.equal(gone.get('response'), '1');
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '-5.0000000');
    assert.equal(await balance(h, 'CES1', 'IMPORT-EXPORT'), '50.0000000');
    const log = await h.call('GET', `/audit?subject=${encodeURIComponent(`clearing-central:cen0042/${b.txid}`)}`);
    assert.equal(log.status, 200, JSON.stringify(log.body));
    const entries = log.body.entries ?? log.body.audit ?? log.body;
    assert.deepEqual(entries.map((e: any) => e.action).sort(), ['clearing-central.bill.edit', 'clearing-central.bill.edit', 'clearing-central.bill.reverse']);
  });

  it('the same bill forwarded many times at once pays exactly once', async () => {
    const txid = uuid();
    const f = forwardFields({ txid, buyer: 'cen0001', seller: 'cen0042', amount: '3', buyerId: 'GRN10001' });
    const before = await balance(h, 'GRN1', 'GRN10001');
    const answers = await Promise.all(Array.from({ length: 12 }, () => cc.forward(grn, f)));
    assert.deepEqual(answers.map((a) => a.fields.get('response')), Array(12).fill('1'));
    assert.equal(Number(await balance(h, 'GRN1', 'GRN10001')), Number(before) - 3);
    // And the same edit many times at once: applied once.
    const edits = await Promise.all(Array.from({ length: 8 }, () => cc.forward(grn, forwardFields({ txid, buyer: 'cen0001', seller: 'cen0042', amount: '1' }))));
    assert.deepEqual(edits.map((a) => a.fields.get('response')), Array(8).fill('1'));
    assert.equal(Number(await balance(h, 'GRN1', 'GRN10001')), Number(before) - 1);
  });

  it('a CES exchange nobody admitted is refused (4) and listed as a pending admission until admitted', async () => {
    cc.exchanges.set('cen0077', { nid: 'cen0077', name: 'Unknown Exchange', country: 'KE', password: 'p77', serverIp: '127.0.0.1', dataUrl: 'http://127.0.0.1:9/x', requestFormat: 'get', convRate: '1' });
    const stranger = cesClient(cc.url, { nid: 'cen0077', password: 'p77' });
    assert.equal((await stranger.bill(bill({ amount: '1' }))).get('response'), '4');
    assert.equal((await stranger.bill(bill({ amount: '1' }))).get('response'), '4');
    const p = await h.call('GET', '/clearing-central/pending');
    assert.deepEqual(p.body.pending.map((x: any) => [x.community, x.nid, x.name, x.requests]), [['GRN1', 'cen0077', 'Unknown Exchange', 2]]);
    await admitCes(h, cc, { code: 'CES7', nid: 'cen0077', convRate: '1' });
    assert.deepEqual((await h.call('GET', '/clearing-central/pending')).body.pending, []);
  });

  it('only Clearing Central gets in: a wrong secret path, a wrong address or an unknown community is 11, changing nothing', async () => {
    const f = forwardFields({ txid: uuid(), buyer: 'cen0001', seller: 'cen0042', amount: '1', buyerId: 'GRN10001' });
    const forged = { ...grn, dataUrl: grn.dataUrl.replace(/[^/]+$/, 'A'.repeat(43)) };
    assert.equal((await cc.forward(forged, f)).fields.get('response'), '11');
    assert.equal((await cc.forward({ ...grn, dataUrl: grn.dataUrl.replace('/GRN1/', '/XXX1/') }, f)).fields.get('response'), '11');
    await hosted(h, 'BLU1', [{ code: 'BLU10001', creditLimit: '100', maxBalance: '1000' }]);
    const blu = await connect(h, cc, { community: 'BLU1', nid: 'cen0002', ips: ['10.0.0.0/8', '2001:db8::/32'] });
    const r = await cc.forward(blu, forwardFields({ txid: uuid(), buyer: 'cen0002', seller: 'cen0042', amount: '1', buyerId: 'BLU10001' }));
    assert.equal(r.fields.get('response'), '11');
    assert.equal(await balance(h, 'BLU1', 'BLU10001'), '0.0000000');
  });

  it('a community that refuses bills from Clearing Central answers 4', async () => {
    const off = await h.call('PUT', '/clearing-central/connections/GRN1/accept-bills', { body: { acceptBills: false } });
    assert.equal(off.status, 200);
    assert.equal(off.body.acceptBills, false);
    const before = await balance(h, 'GRN1', 'GRN10001');
    assert.equal((await seller.bill(bill({ amount: '1' }))).get('response'), '4');
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), before);
    assert.equal((await h.call('PUT', '/clearing-central/connections/GRN1/accept-bills', { body: { acceptBills: true } })).status, 200);
  });

  it('a bill ripples through an intermediate community, within every credit line on the way', async () => {
    await hosted(h, 'RED1', [{ code: 'RED10001', creditLimit: '100', maxBalance: '1000' }], { n: 1, d: 5 });
    const red = await connect(h, cc, { community: 'RED1', nid: 'cen0003' });
    red.convRate = '5';
    // CES1 does not take RED1's HOUR; GRN1 takes up to 3 GRN of it, and CES1 takes GRN1's.
    assert.equal((await h.call('PUT', '/communities/GRN1/credit-lines/RED1', { body: { limit: '3' } })).status, 200);
    const ces1Before = await balance(h, 'CES1', 'IMPORT-EXPORT');
    // 20 CES units = 2 hours = 10 RED, through GRN1's line (2 of its 3).
    const r = await seller.bill(bill({ buyer_nid: 'cen0003', buyer_id: 'RED10001', amount: '20' }));
    assert.equal(r.get('response'), '1', JSON.stringify([...r]));
    assert.equal(await balance(h, 'RED1', 'RED10001'), '-10.0000000');
    assert.equal(Number(await balance(h, 'CES1', 'IMPORT-EXPORT')), Number(ces1Before) + 20);
    // Another 2 hours would take GRN1's line past its 3: refused, nothing moves.
    assert.equal((await seller.bill(bill({ buyer_nid: 'cen0003', buyer_id: 'RED10001', amount: '20' }))).get('response'), '4');
    assert.equal(await balance(h, 'RED1', 'RED10001'), '-10.0000000');
  });

  it('junk never gets a 500 nor the hub\'s JSON: NUL, nested keys, bad escapes, other methods, huge bodies', async () => {
    const send = async (method: string, body?: string, query = '', type = 'application/x-www-form-urlencoded') => {
      const res = await fetch(`${grn.dataUrl}${query}`, { method, ...(body === undefined ? {} : { body, headers: { 'content-type': type } }) });
      return { status: res.status, text: await res.text() };
    };
    const good = new URLSearchParams(forwardFields({ txid: uuid(), buyer: 'cen0001', seller: 'cen0042', amount: '1', buyerId: 'GRN10001' })).toString();
    const cases: Array<[string, string | undefined, string?, string?]> = [
      ['POST', good.replace('bread', 'br%00ead')],
      ['POST', undefined, `?${good.replace('bread', 'br%00ead')}`],
      // Only the named keys count: `amount[]` is no amount.
      ['POST', `${good.replace(/&amount=[^&]*/, '')}&amount[]=1&buyer_id[x]=y`],
      ['POST', 'txid=%E0%A4%A&amount=%zz&buyer_nid=cen0001'],
      ['POST', '{"txid":"x"}', '', 'application/json'],
      ['PUT', good],
      ['DELETE', undefined],
      ['POST', 'x'.repeat(400_000)],
      ['POST', '&&&==&=&'],
      ['POST', `${good}&txid=${'t'.repeat(200)}`],
    ];
    const before = await balance(h, 'GRN1', 'GRN10001');
    for (const [method, body, query, type] of cases) {
      const r = await send(method, body, query, type);
      assert.ok(r.status < 500, `${method} ${String(body).slice(0, 40)}: ${r.status}`);
      const code = parseStr(r.text).get('response');
      assert.ok(code === '5' || code === '4', `${method} ${String(body).slice(0, 40)} ${query ?? ''}: ${r.text}`);
    }
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), before);
    const probe = await fetch(`${h.hub.url}/clearing-central/GRN1`, { method: 'POST', body: good });
    assert.ok(probe.status < 500);
  });
});
