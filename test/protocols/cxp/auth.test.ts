import assert from 'node:assert/strict';
import { startHub } from '../../../src/app';
import { testConfig } from '../../helpers/db';
import { TestHub, startGovernanceHub, token } from '../../governance/api';
import { CxpClient, FakeExchange, approveExchange, cxpClient, handshakeBody, importExportBalance, startFakeExchange, until } from './helpers';

describe('CXP: Hawk authentication, key rotation, and a hub restart', function () {
  this.timeout(120000);
  const admin = token();
  const env = { GOVERNANCE_TOKENS: `admin:${admin}` };
  let h: TestHub;
  let remote: FakeExchange;
  let a: CxpClient;
  const SITE = 'auth-lets.example';

  before(async () => {
    h = await startGovernanceHub(env, admin);
    remote = await startFakeExchange();
    const A = await approveExchange(h, { code: 'AUTA', name: 'Auth LETS', uri: `http://${SITE}`, creditLimit: '50', maxBalance: '50' });
    const B = await approveExchange(h, { code: 'AUTB', name: 'Receiver', uri: remote.uri, creditLimit: '50', maxBalance: '50' });
    remote.creds = B.creds;
    a = cxpClient(h.hub.url, A.creds);
    assert.equal((await h.call('PUT', '/communities/AUTB/credit-lines/AUTA', { body: { limit: '50' } })).status, 200);
  });
  after(async () => {
    await remote?.stop();
    await h?.close();
  });

  const tryBody = (temp: string) => ({
    payer: 'ann', payer_url: SITE, payee: 'bob', payee_url: remote.uri, src_url: SITE, dest_url: remote.uri,
    quantity: 1, description: 'auth', really: true, temp_id: temp,
  });

  it('refuses a request without Hawk (18), with a wrong key (17) or a tampered body (17), unsigned and unchanged', async () => {
    const none = await fetch(`${h.hub.url}/cxp/server/clients`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { code: number }).code, 18);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Hawk/);

    const wrong = await a.try(tryBody('wrong-key'), { key: 'x'.repeat(43) });
    assert.deepEqual([wrong.status, wrong.body.code], [401, 17]);
    assert.equal(wrong.headers.get('server-authorization'), null);

    const tampered = await a.try(tryBody('tampered'), { tamper: JSON.stringify({ ...tryBody('tampered'), quantity: 40 }) });
    assert.deepEqual([tampered.status, tampered.body.code], [401, 17]);
    assert.equal(await importExportBalance(h, 'AUTA'), '0.0000000');
    assert.equal(remote.received.length, 0);
  });

  it('requires the payload hash (18)', async () => {
    const signed = await a.request('GET', '/server/clients');
    const r = await a.request('GET', '/server/clients', undefined, { authorization: signed.authorization.replace(/, hash="[^"]*"/, '') });
    assert.deepEqual([r.status, r.body.code], [401, 18]);
  });

  it('refuses a replay, and a clock off by more than 60 s with the hub\'s time', async () => {
    const first = await a.clients({ nonce: 'once-only' });
    assert.equal(first.status, 200);
    const replay = await a.request('GET', '/server/clients', undefined, { authorization: first.authorization });
    assert.deepEqual([replay.status, replay.body.code], [401, 18]);
    assert.match(replay.body.args['@reason'], /replay/);

    const skewed = await a.clients({ skewSec: -600 });
    assert.deepEqual([skewed.status, skewed.body.code], [401, 18]);
    const www = skewed.headers.get('www-authenticate') ?? '';
    const ts = Number(/ts="(\d+)"/.exec(www)?.[1]);
    assert.ok(Math.abs(ts - Date.now() / 1000) < 5, www);
    assert.match(www, /tsm="/);
    // Corrected by the hub's time, the client gets through.
    const corrected = await a.clients({ skewSec: ts - Math.floor(Date.now() / 1000) });
    assert.equal(corrected.status, 200);
  });

  it('rotates the key at handshake; keymatch tells a client that still signs with its previous key', async () => {
    const oldKey = a.creds.key;
    const newKey = 'N'.repeat(43);
    const r = await a.handshake(handshakeBody(SITE, { new_key: newKey }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.keymatch, true);
    assert.ok(r.verified, 'answered with the key the request was signed with');
    // The old key now only opens the handshake, and says the key does not match.
    const stale = await a.handshake(handshakeBody(SITE));
    assert.equal(stale.body.keymatch, false);
    assert.equal((await a.clients()).body.code, 17);
    a.creds.key = newKey;
    assert.equal((await a.clients()).status, 200);
    assert.equal((await a.handshake(handshakeBody(SITE))).body.keymatch, true);
    assert.equal((await a.clients({ key: oldKey })).body.code, 17);
  });

  it('the governing body rotates a key: the old one stops at once', async () => {
    const r = await h.call('POST', '/exchanges/AUTA/key');
    assert.equal(r.status, 200);
    assert.equal((await a.clients()).body.code, 17);
    a.creds.key = r.body.hawk.key;
    assert.equal((await a.clients()).status, 200);
  });

  it('exchange down across a hub restart: delivered exactly once when both are back; nonces survive the restart', async () => {
    await remote.stop();
    const r = await a.try(tryBody('restart-1'));
    assert.deepEqual([r.status, r.body.code], [409, 7]);
    const used = await a.clients({ nonce: 'before-restart' });
    assert.equal(used.status, 200);

    // The same port: a request signed for the first process is valid, host and port included, for the second.
    const port = new URL(h.hub.url).port;
    await h.hub.stop();
    h.hub = await startHub(testConfig(h.tdb, { ...env, PORT: port }));
    a = cxpClient(h.hub.url, a.creds);
    await remote.start();
    await until('the relay after the restart', async () => remote.written.has('restart-1'));
    const done = await until('the transfer to be final', async () => {
      const x = await a.try(tryBody('restart-1'));
      return x.status === 200 ? x : null;
    });
    assert.equal(done.body.state, 'delivered');
    assert.equal(remote.received.filter((m) => m.temp_id === 'restart-1' && m.really).length, 1);
    assert.equal(await importExportBalance(h, 'AUTA'), '-1.0000000');

    const replay = await a.request('GET', '/server/clients', undefined, { authorization: used.authorization });
    assert.deepEqual([replay.status, replay.body.code], [401, 18], 'a nonce seen before the restart is still spent');
  });
});
