import assert from 'node:assert/strict';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { TestHub, startGovernanceHub, token } from '../../governance/api';
import { parseStr } from './emulator';

/** A buyer exchange's data_url: records what arrives, answers as told (Drupal 7 style: 201 and the fields echoed on success). */
async function buyerExchange() {
  const got: Array<{ method: string; fields: Map<string, string> }> = [];
  let answer: (f: Map<string, string>) => { status: number; body: string; delayMs?: number } = (f) => ({ status: 201, body: `${[...f].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}&response=1&buyer_name=Ann&buyer_email=ann%40b.example` });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const q = (req.url ?? '').split('?')[1] ?? '';
      const f = parseStr(req.method === 'GET' ? q : Buffer.concat(chunks).toString('utf8'));
      got.push({ method: req.method ?? '', fields: f });
      const a = answer(f);
      setTimeout(() => { res.writeHead(a.status, { 'content-type': 'text/html' }); res.end(a.body); }, a.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cc-receiver.php`, got,
    answer: (fn: typeof answer) => { answer = fn; },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe('Clearing Central part 2: the hub serves txinput.php to CES exchanges', function () {
  this.timeout(180000);
  const admin = token();
  let h: TestHub;
  let buyer: Awaited<ReturnType<typeof buyerExchange>>;
  let sellerPw = '';
  let cc = '';

  /** A CES-style seller: GET with every field in the query (Drupal 8 sends the same as a POST with an empty body). */
  const txinput = async (fields: Record<string, string>, how: 'get' | 'form' | 'query-post' = 'get', path = 'txinput.php') => {
    const q = new URLSearchParams(fields).toString();
    const res = how === 'form'
      ? await fetch(`${cc}/${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: q })
      : await fetch(`${cc}/${path}?${q}`, { method: how === 'get' ? 'GET' : 'POST' });
    assert.equal(res.status, 200);
    return parseStr(await res.text());
  };
  const sale = (txid: string, extra: Record<string, string> = {}) => ({
    txid, password: sellerPw, seller_nid: 'cen0001', buyer_nid: 'cen0002', buyer_id: 'B0001', seller_id: 'S0007', seller_name: 'Sam', seller_email: 's@s.example',
    description: 'bread & jam', amount: '20', ...extra,
  });
  const ieBalance = async (code: string) => (await h.call('GET', `/communities/${code}/accounts/IMPORT-EXPORT`)).body;
  const totals = async (code: string) => (await h.call('GET', `/clearing-central/server/exchanges/${code}/totals`)).body;

  before(async () => {
    h = await startGovernanceHub({ GOVERNANCE_TOKENS: `admin:${admin}`, CLEARING_CENTRAL_FORWARD_TIMEOUT_MS: '1500' }, admin);
    cc = `${h.hub.url}/cc`;
    buyer = await buyerExchange();
    const reg = (code: string, convRate: string, dataUrl: string, extra: Record<string, unknown> = {}) => h.call('POST', '/clearing-central/server/exchanges', {
      body: { code, name: `Exchange ${code}`, country: 'ZA', convRate, dataUrl, requestFormat: 'post', ips: ['127.0.0.0/8', '::1'], tradeSurplusLimit: '100', tradeDeficitLimit: '100', ...extra },
    });
    const s = await reg('SEL1', '1', 'http://127.0.0.1:9/none');
    assert.equal(s.status, 201, JSON.stringify(s.body));
    assert.equal(s.body.nid, 'cen0001');
    sellerPw = s.body.password;
    const b = await reg('BUY1', '10', buyer.url);
    assert.equal(b.status, 201, JSON.stringify(b.body));
    assert.equal(b.body.nid, 'cen0002');
  });
  after(async () => {
    await buyer?.close();
    await h?.close();
  });

  it('refuses request_format xml at registration, saying why and what to use', async () => {
    const r = await h.call('POST', '/clearing-central/server/exchanges', { body: { code: 'XML1', name: 'X', country: 'ZA', convRate: '1', dataUrl: buyer.url, requestFormat: 'xml', ips: ['127.0.0.1'], tradeSurplusLimit: '1', tradeDeficitLimit: '1' } });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /xml is not supported.*post or get/);
  });

  it('a GET txinput.php is forwarded to the buyer (its fields, converted amount), settled on 1, and a repeat is answered 1 without a second forward or payment', async () => {
    const before = buyer.got.length;
    const r = await txinput(sale('t-1'));
    assert.equal(r.get('response'), '1', JSON.stringify([...r]));
    assert.deepEqual([r.get('txid'), r.get('amount'), r.get('buyer_name'), r.get('buyer_nid')], ['t-1', '20', 'Ann', 'cen0002']);
    const f = buyer.got[before].fields;
    assert.deepEqual([...f.keys()].slice(0, 5), ['txid', 'buyer_nid', 'seller_nid', 'description', 'amount']);
    assert.deepEqual([f.get('amount'), f.get('description'), f.get('buyer_id'), f.get('seller_id')], ['200', 'bread &amp; jam', 'B0001', 'S0007']);
    assert.equal((await ieBalance('SEL1')).balance, '20.0000000');
    assert.equal((await ieBalance('BUY1')).balance, '-200.0000000');
    const again = await txinput(sale('t-1'), 'query-post');
    assert.equal(again.get('response'), '1');
    assert.equal(buyer.got.length, before + 1, 'no second forward');
    assert.equal((await ieBalance('SEL1')).balance, '20.0000000');
    const t = await totals('SEL1');
    assert.deepEqual([t.exports, t.income, t.ledger.balance], [1, '20.0000000', '20.0000000']);
  });

  it('answers 10 for a wrong password or an unknown seller, 3 for an unknown buyer NID, 5 for a bad amount, changing nothing', async () => {
    const before = buyer.got.length;
    assert.equal((await txinput(sale('t-2', { password: 'nope' }))).get('response'), '10');
    assert.equal((await txinput(sale('t-2', { seller_nid: 'cen0999' }))).get('response'), '10');
    const three = await txinput(sale('t-2', { buyer_nid: 'cen0777' }), 'form');
    assert.deepEqual([three.get('response'), three.get('buyer_nid')], ['3', 'cen0777']);
    for (const amount of ['-1', '0', 'abc', '1e5', '1.123456789']) assert.equal((await txinput(sale('t-2', { amount }))).get('response'), '5', amount);
    assert.equal(buyer.got.length, before);
    assert.equal((await ieBalance('SEL1')).balance, '20.0000000');
  });

  it('answers 4 before forwarding when the seller would pass its trade surplus limit', async () => {
    const before = buyer.got.length;
    const r = await txinput(sale('t-big', { amount: '500' }));
    assert.equal(r.get('response'), '4');
    assert.equal(buyer.got.length, before, 'nothing forwarded');
  });

  it('passes on the buyer\'s refusal (4, 2) and tries a failed attempt again when it is resent', async () => {
    buyer.answer(() => ({ status: 200, body: 'response=4' }));
    const r = await txinput(sale('t-3', { amount: '1' }));
    assert.deepEqual([r.get('response'), r.get('buyer_nid')], ['4', 'cen0002']);
    buyer.answer(() => ({ status: 200, body: 'response=2' }));
    const two = await txinput(sale('t-3b', { amount: '1' }));
    assert.deepEqual([two.get('response'), two.get('buyer_id')], ['2', 'B0001']);
    buyer.answer(() => ({ status: 201, body: 'response=1&buyer_name=Ann' }));
    const again = await txinput(sale('t-3', { amount: '1' }));
    assert.equal(again.get('response'), '1');
    assert.equal((await ieBalance('SEL1')).balance, '21.0000000');
  });

  it('answers 15 when the buyer cannot be reached, 14 when it does not answer in time — and then edits it back to 0 there', async () => {
    await h.call('PUT', '/clearing-central/server/exchanges/BUY1', { body: { dataUrl: 'http://127.0.0.1:9/closed' } });
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal((await txinput(sale('t-4', { amount: '1' }))).get('response'), '15');
    await h.call('PUT', '/clearing-central/server/exchanges/BUY1', { body: { dataUrl: buyer.url } });
    await new Promise((r) => setTimeout(r, 2100));
    buyer.answer((f) => ({ status: 201, body: 'response=1', delayMs: f.has('buyer_id') ? 3000 : 0 }));
    const before = buyer.got.length;
    assert.equal((await txinput(sale('t-5', { amount: '1' }))).get('response'), '14');
    for (let i = 0; i < 100 && !buyer.got.slice(before).some((g) => g.fields.get('txid') === 't-5' && !g.fields.has('buyer_id')); i++) await new Promise((r) => setTimeout(r, 100));
    const undo = buyer.got.slice(before).find((g) => g.fields.get('txid') === 't-5' && !g.fields.has('buyer_id'));
    buyer.answer(() => ({ status: 201, body: 'response=1&buyer_name=Ann' }));
    assert.ok(undo, 'an edit back reached the buyer');
    assert.equal(undo.fields.get('amount'), '0');
    assert.equal((await ieBalance('SEL1')).balance, '21.0000000', 'nothing settled');
    buyer.answer(() => ({ status: 201, body: 'response=1&buyer_name=Ann' }));
  });

  it('txeditinput.php del undoes a transaction with a compensating transfer, and an edit to another amount moves the difference', async () => {
    assert.equal((await txinput(sale('t-6', { amount: '5' }))).get('response'), '1');
    assert.equal((await ieBalance('SEL1')).balance, '26.0000000');
    const up = await txinput(sale('t-6', { amount: '7' }));
    assert.equal(up.get('response'), '1');
    assert.equal((await ieBalance('SEL1')).balance, '28.0000000');
    const del = await txinput({ txid: 't-6', password: sellerPw, action: 'del' }, 'form', 'txeditinput.php');
    assert.equal(del.get('response'), '1', JSON.stringify([...del]));
    assert.equal(buyer.got[buyer.got.length - 1].fields.get('amount'), '0');
    assert.equal((await ieBalance('SEL1')).balance, '21.0000000');
    assert.equal((await txinput({ password: sellerPw, action: 'del' }, 'form', 'txeditinput.php')).get('response'), '12');
    assert.equal((await txinput({ txid: 'never', password: sellerPw, action: 'del' }, 'form', 'txeditinput.php')).get('response'), '13');
  });

  it('answers niddata.php, logon.php (index.php on wrong credentials) and lists active exchanges in the directory', async () => {
    const nid = await fetch(`${cc}/niddata.php`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'nid=cen0002' });
    assert.equal(await nid.text(), 'cen0002||Exchange BUY1|ZA');
    assert.equal(await (await fetch(`${cc}/niddata.php`, { method: 'POST', body: new URLSearchParams({ nid: 'cen0404' }) })).text(), '|||');
    const wrong = await fetch(`${cc}/logon.php`, { method: 'POST', body: new URLSearchParams({ nid: 'cen0001', password: 'x' }), redirect: 'manual' });
    assert.match(wrong.headers.get('location') ?? '', /index\.php/);
    const right = await fetch(`${cc}/logon.php`, { method: 'POST', body: new URLSearchParams({ nid: 'cen0001', password: sellerPw }), redirect: 'manual' });
    assert.doesNotMatch(right.headers.get('location') ?? '', /index\.php/);
    const dir = await (await fetch(`${cc}/directory.php`)).text();
    assert.match(dir, /<option value="cen0001">Exchange SEL1<\/option>/);
  });

  it('a reset password works at once and the old one answers 10', async () => {
    const r = await h.call('POST', '/clearing-central/server/exchanges/SEL1/password');
    assert.equal(r.status, 200);
    const old = sellerPw;
    sellerPw = r.body.password;
    assert.equal((await txinput(sale('t-7', { amount: '1', password: old }))).get('response'), '10');
    assert.equal((await txinput(sale('t-7', { amount: '1' }))).get('response'), '1');
  });
});
