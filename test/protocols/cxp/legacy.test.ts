import assert from 'node:assert/strict';
import http from 'node:http';
import { TestHub, startGovernanceHub, token } from '../../governance/api';
import { approveExchange, importExportBalance, until } from './helpers';

/**
 * Legacy mode: an unmodified site running the deployed Drupal client (7.x-3.x) trades
 * through the hub. It posts forms to its server paths with its key in the body and is
 * recognised by its address; it answers relays at `<uri>intertrade` with the status line
 * `200 Intertrading` and a JSON array, `OK` or a code first.
 */
interface LegacySite {
  uri: string;
  posts: Array<Record<string, string>>;
  answer: unknown[];
  stop(): Promise<void>;
}

async function legacySite(): Promise<LegacySite> {
  const site: LegacySite = { uri: '', posts: [], answer: ['OK'], stop: async () => {} };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/drupal/intertrade') {
        res.writeHead(404);
        res.end();
        return;
      }
      site.posts.push(Object.fromEntries(new URLSearchParams(body)));
      res.writeHead(200, 'Intertrading', { 'content-type': 'application/json' });
      res.end(JSON.stringify(site.answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  site.uri = `http://127.0.0.1:${(server.address() as { port: number }).port}/drupal/`;
  site.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return site;
}

describe('CXP legacy mode: the deployed Drupal client, unmodified', function () {
  this.timeout(120000);
  const admin = token();
  let h: TestHub;
  let site: LegacySite;
  let keyA: string;
  const A_SITE = 'https://old-lets.example/';

  before(async () => {
    h = await startGovernanceHub({ GOVERNANCE_TOKENS: `admin:${admin}` }, admin);
    site = await legacySite();
    const A = await approveExchange(h, { code: 'OLDA', name: 'Old LETS', uri: A_SITE, ticks: '1', creditLimit: '100', maxBalance: '100', legacy: { ips: ['127.0.0.1'] } });
    const B = await approveExchange(h, { code: 'OLDB', name: 'Old Swap', uri: site.uri, ticks: '1', creditLimit: '100', maxBalance: '100', legacy: { ips: ['10.9.9.9'] } });
    assert.ok(A.legacyKey && B.legacyKey, 'legacy keys are shown once at approval');
    keyA = A.legacyKey!;
    assert.equal((await h.call('PUT', '/communities/OLDB/credit-lines/OLDA', { body: { limit: '50' } })).status, 200);
  });
  after(async () => {
    await site?.stop();
    await h?.close();
  });

  const post = async (path: string, fields: Record<string, string>) => {
    const res = await fetch(`${h.hub.url}/cxp/legacy/${path}`, { method: 'POST', body: new URLSearchParams(fields) });
    return { status: res.status, statusText: res.statusText, body: JSON.parse(await res.text()) as unknown[] };
  };

  it('answers the help call in the Drupal reply format, and marks the exchange as on the weaker authentication', async () => {
    const r = await post('intertrading/help/json', { src_url: A_SITE, key: keyA });
    assert.equal(r.status, 200);
    assert.equal(r.statusText, 'Intertrading');
    assert.equal(r.body[0], 'OK');
    assert.equal((r.body[1] as { status: number }).status, 1);
    const list = await h.call('GET', '/exchanges');
    assert.equal(list.body.exchanges.find((e: { code: string }) => e.code === 'OLDA').authentication, 'legacy');
  });

  it('refuses a wrong key (17), a missing key (18) and an address not on the allowlist (16)', async () => {
    assert.equal((await post('intertrading/help/json', { src_url: A_SITE, key: 'not-the-key' })).body[0], 17);
    assert.equal((await post('intertrading/help/json', { src_url: A_SITE })).body[0], 18);
    // OLDB only admits posts from 10.9.9.9; this test posts from 127.0.0.1.
    assert.equal((await post('intertrading/help/json', { src_url: site.uri, key: 'anything' })).body[0], 16);
  });

  it('pays with transaction/try and relays it to <uri>intertrade with the receiving site\'s key', async () => {
    const fields = {
      src_url: A_SITE, key: keyA, payer: 'ann@old-lets.example', payer_url: `${A_SITE}user/1`, payee: 'bob@swap.example',
      payee_url: `${site.uri}user/2`, dest_url: site.uri, quantity: '3', description: 'bread', date: '1385856000', really: '1',
    };
    const r = await post('transaction/try', fields);
    assert.deepEqual(r.body, ['OK']);
    assert.equal(site.posts.length, 1);
    assert.equal(site.posts[0].payee, 'bob@swap.example');
    assert.equal(site.posts[0].really, '1');
    assert.ok(site.posts[0].key, 'the relay carries the receiving site\'s key');
    assert.equal(await importExportBalance(h, 'OLDA'), '-3.0000000');
    assert.equal(await importExportBalance(h, 'OLDB'), '3.0000000');
    // The same post again (same date) is the same try: nothing more is paid or relayed.
    assert.deepEqual((await post('transaction/try', fields)).body, ['OK']);
    assert.equal(site.posts.length, 1);
    assert.equal(await importExportBalance(h, 'OLDA'), '-3.0000000');
  });

  it('compensates when the legacy site refuses after settlement, and answers its code', async () => {
    site.answer = [24];
    const r = await post('transaction/try', {
      src_url: A_SITE, key: keyA, payer: 'ann@old-lets.example', payer_url: `${A_SITE}user/1`, payee: 'carl@swap.example',
      payee_url: `${site.uri}user/3`, dest_url: site.uri, quantity: '2', description: 'eggs', date: '1385856100', really: '1',
    });
    assert.equal(r.body[0], 24);
    await until('compensation', async () => (await importExportBalance(h, 'OLDA')) === '-3.0000000');
    assert.equal(await importExportBalance(h, 'OLDB'), '3.0000000');
  });

  it('reads a quantity from the form\'s text: 0.0000001 and 1e-7 are one stroop, 0.00000001 is refused naming quantity', async () => {
    site.answer = ['OK'];
    const tryWith = (quantity: string) => post('transaction/try', {
      src_url: A_SITE, key: keyA, payer: 'ann@old-lets.example', payer_url: `${A_SITE}user/1`, payee: 'bob@swap.example',
      payee_url: `${site.uri}user/2`, dest_url: site.uri, quantity, description: 'a crumb', really: '0',
    });
    for (const q of ['0.0000001', '1e-7', '1.0E-7']) assert.deepEqual((await tryWith(q)).body, ['OK'], q);
    assert.equal(site.posts.at(-1)!.quantity, '0.0000001', 'relayed as exact decimal text');
    for (const q of ['0.00000001', '1e-8']) assert.deepEqual((await tryWith(q)).body.slice(0, 2), [8, 'quantity'], q);
  });

  it('takes an empty optional field as absent, as the Drupal client posts them (logo=), in every form; an empty required one is still refused', async () => {
    // What the client posts for a site with no logo, name, coordinates or first trade yet.
    const fields = {
      src_url: A_SITE, key: keyA, mail: 'admin@old-lets.example', api: '1', ticks: '1', traders: '2', transactions: '0',
      first_trade: '', name: '', logo: '', lat: '', lon: '', divisions: '', visibility: '', uri: '', new_key: '',
    };
    const r = await post('exchange/handshake', fields);
    assert.equal(r.body[0], 'OK', JSON.stringify(r.body));
    assert.equal((r.body[1] as { keymatch: boolean }).keymatch, true, 'new_key= rotates nothing');
    assert.deepEqual((await post('intertrading/help/json', { src_url: A_SITE, key: keyA })).body[0], 'OK', 'the key is unchanged');
    const declared = (await h.call('GET', '/exchanges/OLDA')).body.declared;
    for (const f of ['logo', 'name', 'lat', 'lon', 'divisions', 'visibility', 'new_key']) assert.equal(f in declared, false, f);

    // The hub holds −3 for OLDA: its own import-export account is 3.
    const prepare = await post('exchange/prepare', { src_url: A_SITE, key: keyA, volume: '10', deficit: '', integrity: '1', balance: '3' });
    assert.equal(prepare.body[0], 'OK', JSON.stringify(prepare.body));

    const tryFields = {
      src_url: A_SITE, key: keyA, payer: 'ann@old-lets.example', payer_url: `${A_SITE}user/1`, payee: 'bob@swap.example',
      payee_url: `${site.uri}user/2`, dest_url: site.uri, quantity: '1', description: '', really: '0', temp_id: '', date: '',
    };
    assert.deepEqual((await post('transaction/try', tryFields)).body, ['OK']);

    // Neither temp_id nor date: the same post again the same day is the same try, paid once.
    const before = await importExportBalance(h, 'OLDA');
    const relayed = site.posts.length;
    const undated = { ...tryFields, really: '1', description: 'no date at all' };
    assert.deepEqual((await post('transaction/try', undated)).body, ['OK']);
    assert.deepEqual((await post('transaction/try', undated)).body, ['OK']);
    assert.equal(site.posts.length, relayed + 1, 'relayed once');
    assert.equal(await importExportBalance(h, 'OLDA'), (Number(before) - 1).toFixed(7), 'paid once');

    // Required fields, empty: refused as before.
    assert.deepEqual((await post('exchange/handshake', { ...fields, mail: '' })).body.slice(0, 2), [8, 'mail']);
    assert.deepEqual((await post('exchange/handshake', { ...fields, ticks: '' })).body.slice(0, 2), [15, 'ticks']);
    assert.deepEqual((await post('exchange/prepare', { src_url: A_SITE, key: keyA, volume: '', integrity: '1', balance: '3' })).body.slice(0, 2), [15, 'volume']);
    assert.deepEqual((await post('transaction/try', { ...tryFields, payer: '' })).body.slice(0, 2), [8, 'payer']);
    assert.deepEqual((await post('transaction/try', { ...tryFields, quantity: '' })).body.slice(0, 2), [15, 'quantity']);
  });
});
