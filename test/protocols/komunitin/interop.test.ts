/**
 * Interop with a real Komunitin server's shapes (fixtures/, recorded from its
 * serializers), served by nock at https://komunitin.example: the hub registers the
 * peer currency from them, takes a payment request in Komunitin's exact form, and when
 * it is rejected PATCHes the peer with a JWT Komunitin's verifier accepts. Also: the
 * safety rules of outbound calls (https only, no private addresses, size limit).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import { Keypair } from '@stellar/stellar-sdk';
import { Hub, startHub } from '../../../src/app';
import { Redacted } from '../../../src/vault/redacted';
import { signToken, verifyBearer } from '../../../protocols/komunitin/auth';
import { createOutbound } from '../../../protocols/komunitin/client';
import { TestDatabase, createTestDatabase, testConfig } from '../../helpers/db';

// nock intercepts every HTTP request of the process from the moment it is loaded, and
// its interceptor buffers streamed answers (the devnet's SSE): only this file uses it.
nock.restore();

const PEER = 'https://komunitin.example';
const fixture = (name: string, vars: Record<string, string | number>): any => {
  let text = fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
  for (const [k, v] of Object.entries(vars).sort((x, y) => y[0].length - x[0].length)) text = text.split(`$${k}`).join(String(v));
  return JSON.parse(text);
};

describe('Komunitin interop with recorded peer shapes (nock)', function () {
  this.timeout(120000);
  let tdb: TestDatabase;
  let hub: Hub;
  const token = crypto.randomBytes(32).toString('base64url');
  const peerMember = Keypair.random();
  const keys = Object.fromEntries(['ISSUER', 'CREDIT', 'ADMIN', 'EXTERNAL_ISSUER', 'EXTERNAL_TRADER'].map((k) => [k, Keypair.random().publicKey()]));
  const vars = { ...keys, CURRENCY_ID: crypto.randomUUID(), ACCOUNT_ID: crypto.randomUUID(), ACCOUNT_KEY: peerMember.publicKey() };
  let member: { id: string; key: string };

  const gov = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${hub.url}/governance/v1${p}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() as any };
  };

  before(async () => {
    tdb = await createTestDatabase();
    hub = await startHub(testConfig(tdb, {
      GOVERNANCE_TOKENS: `admin:${token}`, KOMUNITIN_DEV: 'false', KOMUNITIN_ALLOWED_HOSTS: 'komunitin.example', KOMUNITIN_MAX_RESPONSE_BYTES: '4096',
    }));
    nock.activate();
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    assert.equal((await gov('POST', '/communities', { code: 'HUB1', name: 'Hub One', kind: 'hosted' })).status, 201);
    assert.equal((await gov('POST', '/communities/HUB1/accounts', { code: 'HUB1-A', creditLimit: '50' })).status, 201);
    const acc = await (await fetch(`${hub.url}/HUB1/accounts/HUB1-A`)).json() as any;
    member = { id: acc.data.id, key: acc.data.attributes.key };
  });

  after(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
    await hub?.stop();
    await tdb?.drop();
  });

  afterEach(() => nock.cleanAll());

  const servePeer = () => nock(PEER)
    .get('/NET1/currency').reply(200, fixture('currency.json', vars), { 'content-type': 'application/vnd.api+json' })
    .get(`/NET1/accounts/${vars.ACCOUNT_ID}`).reply(200, fixture('account.json', vars), { 'content-type': 'application/vnd.api+json' });

  it('registers a peer currency from the shape a Komunitin server serves', async () => {
    nock(PEER).get('/NET1/currency').reply(200, fixture('currency.json', vars));
    const r = await gov('POST', '/komunitin/peers', { url: `${PEER}/NET1/currency` });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { code: 'NET1', assetCode: 'NET1', url: `${PEER}/NET1/currency`, scale: 2, rate: { n: 1, d: 10 } });
    const c = (await gov('GET', '/communities/NET1')).body;
    assert.equal(c.kind, 'peer');
    assert.equal(c.ledgerAccounts.externalIssuer, keys.EXTERNAL_ISSUER);
  });

  it('holds a payment request in Komunitin\'s form, and PATCHes the peer when it is rejected', async () => {
    servePeer();
    const id = crypto.randomUUID();
    const body = fixture('transfer-request.json', { ...vars, TRANSFER_ID: id, LOCAL_ID: member.id, AMOUNT: 12345 });
    const peerToken = await signToken(new Redacted(peerMember.secret()), PEER);
    const res = await fetch(`${hub.url}/HUB1/transfers`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.api+json', authorization: `Bearer ${peerToken}` }, body: JSON.stringify(body),
    });
    const doc = await res.json() as any;
    assert.equal(res.status, 201, JSON.stringify(doc));
    assert.equal(doc.data.id, id);
    assert.equal(doc.data.attributes.state, 'pending');
    assert.equal(doc.data.attributes.amount, 12345);
    assert.equal(doc.data.relationships.payee.data.meta.href, `${PEER}/NET1/accounts/${vars.ACCOUNT_ID}`);

    let patched: any = null;
    let auth = '';
    nock(PEER).patch(`/NET1/transfers/${id}`).reply(function (_uri, b) {
      patched = typeof b === 'string' ? JSON.parse(b) : b;
      auth = String(this.req.headers.authorization);
      return [200, { data: { id, type: 'transfers', attributes: { state: 'rejected' } } }];
    });
    const r = await gov('POST', `/communities/HUB1/komunitin/requests/${id}/reject`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'rejected');
    const end = Date.now() + 10000;
    while (!patched && Date.now() < end) await new Promise((x) => setTimeout(x, 100));
    assert.deepEqual(patched, { data: { type: 'transfers', id, attributes: { state: 'rejected' } } });
    // Signed as Komunitin verifies it: EdDSA, sub = the payer account's key.
    assert.equal(await verifyBearer(auth), member.key);
  });

  it('refuses a notify whose hash is not on the ledger, with a JSON:API error naming the hash', async () => {
    servePeer();
    const body = fixture('transfer-notify.json', { ...vars, TRANSFER_ID: crypto.randomUUID(), LOCAL_ID: member.id, AMOUNT: 100, HASH: 'cd'.repeat(32) });
    const res = await fetch(`${hub.url}/HUB1/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.api+json', authorization: `Bearer ${await signToken(new Redacted(peerMember.secret()), PEER)}` },
      body: JSON.stringify(body),
    });
    const doc = await res.json() as any;
    assert.equal(res.status, 400);
    assert.equal(doc.errors[0].code, 'TransactionError');
    assert.equal(doc.errors[0].source.pointer, '/data/attributes/hash');
    assert.deepEqual(Object.keys(fixture('error.json', {}).errors[0]).every((k) => k in doc.errors[0]), true);
  });

  it('refuses malformed JSON:API naming the member at fault, and unknown accounts', async () => {
    const t = await signToken(new Redacted(peerMember.secret()), PEER);
    const post = (body: unknown) => fetch(`${hub.url}/HUB1/transfers`, { method: 'POST', headers: { 'content-type': 'application/vnd.api+json', authorization: `Bearer ${t}` }, body: JSON.stringify(body) });
    let res = await post({ data: { type: 'transfers', attributes: { amount: 1, state: 'committed' } } });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as any).errors[0].source.pointer, '/data/relationships');
    const body = fixture('transfer-notify.json', { ...vars, TRANSFER_ID: crypto.randomUUID(), LOCAL_ID: crypto.randomUUID(), AMOUNT: 100, HASH: 'cd'.repeat(32) });
    res = await post(body);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as any).errors[0].source.pointer, '/data/relationships/payee/data/id');
  });

  it('calls peers only over https, never private addresses unless allowlisted, and reads at most the size limit', async () => {
    const strict = createOutbound({ dev: false, allowedHosts: [], timeoutMs: 1000, maxResponseBytes: 4096, cacheTtlMs: 0 });
    await assert.rejects(strict.check('http://komunitin.example/NET1/currency'), /only https/);
    await assert.rejects(strict.check('https://127.0.0.1/NET1/currency'), /private or loopback/);
    await assert.rejects(strict.check('https://[::1]/NET1/currency'), /private or loopback/);
    await assert.rejects(strict.check('https://10.1.2.3/NET1/currency'), /private or loopback/);
    const r = await gov('POST', '/komunitin/peers', { url: 'http://127.0.0.1:9/NET1/currency' });
    assert.equal(r.status, 502);
    nock(PEER).get('/BIG1/currency').reply(200, 'x'.repeat(10000));
    const big = await gov('POST', '/komunitin/peers', { url: `${PEER}/BIG1/currency` });
    assert.equal(big.status, 502);
    assert.match(big.body.error.message, /more than 4096 bytes/);
  });
});
