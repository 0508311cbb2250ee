import assert from 'node:assert/strict';
import http from 'node:http';
import { TestHub, assertSchema, startGovernanceHub, token } from '../../governance/api';
import { ClearingCentral, parseStr, startClearingCentral } from './emulator';
import { until } from '../cxp/helpers';
import { admitCes, balance, connect, hosted } from './helpers';

type Mode = 'pass' | 'down' | 'slow' | 'html' | 'empty' | 'six' | 'lose-answer';

/**
 * What stands between the hub and Clearing Central: passes requests on, or fails the
 * way a real network and a PHP server do (connection cut, too slow, an HTML error page,
 * an empty body, a bare 6) — also after Clearing Central has done the work.
 */
async function startFront(target: string): Promise<{ url: string; mode: Mode; seen: number; stop(): Promise<void> }> {
  const front = { url: '', mode: 'pass' as Mode, seen: 0, stop: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void (async () => {
      front.seen++;
      const body = Buffer.concat(chunks).toString('utf8');
      const pass = async () => (await fetch(`${target}${req.url}`, { method: req.method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })).text();
      switch (front.mode) {
        case 'down': return req.socket.destroy();
        case 'slow': await new Promise((r) => setTimeout(r, 2500)); return res.end('response=1');
        case 'html': return res.writeHead(500, { 'content-type': 'text/html' }).end('<html><body>Fatal error: mysql_connect()</body></html>');
        case 'empty': return res.writeHead(200).end('');
        case 'six': return res.writeHead(200).end('response=6&txid=x');
        case 'lose-answer': await pass(); return req.socket.destroy();
        default: return res.writeHead(200, { 'content-type': 'text/html' }).end(await pass());
      }
    })());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  front.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  front.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return front;
}

/** A CES exchange's receiver (txrengine.asp): answers Clearing Central's forwards. */
async function startCesReceiver(): Promise<{ url: string; answer: string; received: Array<Map<string, string>>; stop(): Promise<void> }> {
  const rx = { url: '', answer: 'response=1&buyer_name=Thandi&buyer_email=thandi%40ces.example', received: [] as Array<Map<string, string>>, stop: async () => undefined };
  const server = http.createServer((req, res) => {
    rx.received.push(parseStr(new URL(req.url ?? '/', 'http://x').search.slice(1)));
    res.writeHead(200).end(rx.answer);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  rx.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/txrengine.asp`;
  rx.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return rx;
}

/**
 * A hub with one community connected to Clearing Central (through a front that can fail
 * on demand) and one CES exchange admitted, whose receiver answers the forwards; the
 * community accepts up to 10 of its units (10 HOUR) of the exchange's HOUR.
 */
async function startBilling(env: Record<string, string>, n: { community: string; member: string; nid: string; ces: string; cesNid: string }) {
  const admin = token();
  const h = await startGovernanceHub({ GOVERNANCE_TOKENS: `admin:${admin}`, CLEARING_CENTRAL_TIMEOUT_MS: '1000', ...env }, admin);
  const cc = await startClearingCentral();
  const front = await startFront(cc.url);
  const ces = await startCesReceiver();
  await hosted(h, n.community, [{ code: n.member, creditLimit: '100', maxBalance: '1000' }]);
  await connect(h, { ...cc, url: front.url }, { community: n.community, nid: n.nid });
  const rec = await admitCes(h, cc, { code: n.ces, nid: n.cesNid, convRate: '10' });
  rec.dataUrl = ces.url;
  assert.equal((await h.call('PUT', `/communities/${n.community}/credit-lines/${n.ces}`, { body: { limit: '10' } })).status, 200);
  return {
    h, cc, front, ces,
    async close() {
      await front.stop();
      await ces.stop();
      await cc.stop();
      await h.close();
    },
  };
}

describe('Clearing Central: bills members here send CES members', function () {
  this.timeout(180000);
  let setup: Awaited<ReturnType<typeof startBilling>> | undefined;
  let h: TestHub;
  let cc: ClearingCentral;
  let front: Awaited<ReturnType<typeof startFront>>;
  let ces: Awaited<ReturnType<typeof startCesReceiver>>;

  before(async () => {
    setup = await startBilling({}, { community: 'GRN1', member: 'GRN10001', nid: 'cen0001', ces: 'CES1', cesNid: 'cen0042' });
    ({ h, cc, front, ces } = setup);
  });
  after(async () => {
    await setup?.close();
  });
  beforeEach(() => {
    front.mode = 'pass';
    ces.answer = 'response=1&buyer_name=Thandi&buyer_email=thandi%40ces.example';
  });

  const send = (amount = '1', extra: Record<string, string> = {}) => h.call('POST', '/clearing-central/bills', {
    body: { seller: 'GRN1/GRN10001', buyerNid: 'cen0042', buyerId: 'ZA420001', amount, description: 'an hour of gardening', ...extra },
  });

  it('a bill Clearing Central accepts is paid to the member by the CES exchange\'s mirror, with a fresh UUID txid each time', async () => {
    const r = await send('2');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assertSchema('CcBill', r.body);
    assert.deepEqual([r.body.state, r.body.code, r.body.amount], ['paid', 1, '2.0000000']);
    assert.match(r.body.txid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Clearing Central converted 2 GRN (2 hours) into 20 CES units for the buyer.
    const fwd = ces.received.at(-1)!;
    assert.deepEqual([fwd.get('txid'), fwd.get('amount'), fwd.get('buyer_id'), fwd.get('seller_nid')], [r.body.txid, '20', 'ZA420001', 'cen0001']);
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '2.0000000');
    assert.equal(await balance(h, 'CES1', 'IMPORT-EXPORT'), '-20.0000000');
    const again = await send('2');
    assert.equal(again.status, 201);
    assert.notEqual(again.body.txid, r.body.txid);
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '4.0000000');
  });

  it('a CES exchange\'s refusal is 422 with its code, and nothing moves', async () => {
    ces.answer = 'response=2';
    const r = await send('1');
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'clearing_central_2');
    const refused = await h.call('GET', '/clearing-central/bills?state=refused');
    assert.equal(refused.body.bills.length, 1);
    assert.equal(refused.body.bills[0].code, 2);
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '4.0000000');
  });

  it('every code Clearing Central itself answers is a refusal with that code (3, 4, 5, 7, 8, 10, 11, 14), nothing moving', async () => {
    const hub = cc.exchanges.get('cen0001')!;
    const buyer = cc.exchanges.get('cen0042')!;
    const cases: Array<[number, () => () => void]> = [
      [3, () => { cc.exchanges.delete('cen0042'); return () => cc.exchanges.set('cen0042', buyer); }],
      [4, () => { ces.answer = 'response=4'; return () => undefined; }],
      [5, () => { ces.answer = 'response=5'; return () => undefined; }],
      [7, () => { const u = buyer.dataUrl; buyer.dataUrl = ''; return () => { buyer.dataUrl = u; }; }],
      [8, () => { const r = buyer.convRate; buyer.convRate = '0'; return () => { buyer.convRate = r; }; }],
      [10, () => { const p = hub.password; hub.password = 'changed at Clearing Central'; return () => { hub.password = p; }; }],
      [11, () => { const ip = hub.serverIp; hub.serverIp = '198.51.100.1'; return () => { hub.serverIp = ip; }; }],
      [14, () => { const u = buyer.dataUrl; buyer.dataUrl = 'http://127.0.0.1:9/txrengine.asp'; return () => { buyer.dataUrl = u; }; }],
    ];
    for (const [code, arrange] of cases) {
      const undo = arrange();
      try {
        const r = await send('1');
        assert.equal(r.status, 422, `${code}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, `clearing_central_${code}`);
      } finally {
        undo();
      }
    }
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '4.0000000');
  });

  it('a bill the payment here could not follow is not sent at all', async () => {
    const before = front.seen;
    const r = await send('50');
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'refused_here');
    assert.equal(front.seen, before);
  });

  for (const mode of ['down', 'slow', 'html', 'empty', 'six'] as const) {
    it(`Clearing Central ${mode === 'six' ? 'answering 6 for a new txid' : mode}: the bill is unknown there, never paid nor failed`, async () => {
      front.mode = mode;
      const started = Date.now();
      const r = await send('1');
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.equal(r.body.state, 'unknown');
      assert.ok(Date.now() - started < 2400, 'the overall timeout bounds the call');
      assert.equal(await balance(h, 'GRN1', 'GRN10001'), '4.0000000');
      const open = await h.call('GET', '/clearing-central/bills?state=unknown');
      assert.ok(open.body.bills.some((b: any) => b.txid === r.body.txid));
      // Settled by hand so the next case starts clean: Clearing Central never had these.
      const done = await h.call('POST', `/clearing-central/bills/${r.body.txid}/resolve`, { body: { outcome: 'failed' } });
      assert.equal(done.status, 200);
      assert.equal(done.body.state, 'refused');
    });
  }

  it('reconciliation asks again with the same txid: a bill that never reached Clearing Central is paid then', async () => {
    front.mode = 'down';
    const r = await send('1');
    assert.equal(r.body.state, 'unknown');
    front.mode = 'pass';
    const done = await h.call('POST', `/clearing-central/bills/${r.body.txid}/resolve`, { body: {} });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual([done.body.state, done.body.attempts], ['paid', 2]);
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '5.0000000');
    // Resolving a paid bill changes nothing.
    assert.equal((await h.call('POST', `/clearing-central/bills/${r.body.txid}/resolve`, { body: {} })).body.state, 'paid');
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '5.0000000');
  });

  it('an answer lost after Clearing Central did the work stays unknown when asked again (6), until the governing body resolves it', async () => {
    front.mode = 'lose-answer';
    const r = await send('1');
    assert.equal(r.body.state, 'unknown');
    front.mode = 'pass';
    const asked = await h.call('POST', `/clearing-central/bills/${r.body.txid}/resolve`, { body: {} });
    assert.deepEqual([asked.body.state, asked.body.code], ['unknown', 6]);
    assert.match(asked.body.message, /earlier attempt/);
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '5.0000000');
    const paid = await h.call('POST', `/clearing-central/bills/${r.body.txid}/resolve`, { body: { outcome: 'paid' } });
    assert.equal(paid.body.state, 'paid');
    assert.equal(await balance(h, 'GRN1', 'GRN10001'), '6.0000000');
    const log = await h.call('GET', `/audit?subject=${encodeURIComponent(`clearing-central-bill:${r.body.txid}`)}`);
    assert.deepEqual(log.body.entries.map((e: any) => e.action).sort(), ['clearing-central.bill.resolve-paid', 'clearing-central.bill.send']);
  });
});

describe('Clearing Central: reconciliation asks about open bills on its own', function () {
  this.timeout(180000);
  let setup: Awaited<ReturnType<typeof startBilling>> | undefined;
  let h: TestHub;
  let front: Awaited<ReturnType<typeof startFront>>;
  let ces: Awaited<ReturnType<typeof startCesReceiver>>;

  before(async () => {
    setup = await startBilling({ CLEARING_CENTRAL_RESOLVE_AFTER_MS: '300' }, { community: 'GRN2', member: 'GRN20001', nid: 'cen0002', ces: 'CES2', cesNid: 'cen0043' });
    ({ h, front, ces } = setup);
  });
  after(async () => {
    await setup?.close();
  });

  const send = (amount: string) => h.call('POST', '/clearing-central/bills', {
    body: { seller: 'GRN2/GRN20001', buyerNid: 'cen0043', buyerId: 'ZA430001', amount, description: 'bread' },
  });
  const bill = async (txid: string) => (await h.call('GET', '/clearing-central/bills')).body.bills.find((b: any) => b.txid === txid);


  it('a bill whose answer was lost while Clearing Central was down is sent again when it is back, and paid once', async () => {
    front.mode = 'down';
    const r = await send('1');
    assert.equal(r.body.state, 'unknown', JSON.stringify(r.body));
    front.mode = 'pass';
    await until('the bill to be paid', async () => (await bill(r.body.txid))?.state === 'paid', 60000);
    assert.equal(await balance(h, 'GRN2', 'GRN20001'), '1.0000000');
    assert.equal(ces.received.filter((m) => m.get('txid') === r.body.txid).length, 1, 'the CES exchange billed once');
  });

  it('a bill Clearing Central already had (6 when asked again) is left to the governing body, never paid on its own', async () => {
    front.mode = 'lose-answer';
    const r = await send('2');
    assert.equal(r.body.state, 'unknown');
    front.mode = 'pass';
    await until('reconciliation to ask again', async () => (await bill(r.body.txid))?.code === 6, 60000);
    await new Promise((res) => setTimeout(res, 1500));
    const b = await bill(r.body.txid);
    assert.deepEqual([b.state, b.code], ['unknown', 6]);
    assert.equal(await balance(h, 'GRN2', 'GRN20001'), '1.0000000', 'nothing paid here without a word from the governing body');
  });
});
