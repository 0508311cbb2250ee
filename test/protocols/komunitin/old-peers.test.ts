/**
 * Komunitin servers from before June 2025 (before commit 92ab8334 of
 * community-exchange-network/komunitin) write a transfer's `attributes.meta` as a plain
 * string and refuse any other form; newer ones write and want `{description}`. Two hub
 * processes on one devnet, hub B dressed as such an old server by two proxies: the one in
 * front of B answers as the old server does (proxy mode `old-komunitin`), the one in
 * front of A rewrites what B sends A as the old server writes it (`old-sender`).
 *
 * Pinned: payments and requests from the old server are taken; the hub writes to it in
 * its form, learned from its refusal once and remembered; a payment on the ledger whose
 * notify the hub refused for its document is still recorded, from the ledger, once; and
 * a `meta` of neither form gets a JSON:API error naming it.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { signToken } from '../../../protocols/komunitin/auth';
import { openStorage } from '../../../src/app';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/logger';
import { TestNetwork, startTestNetwork } from '@intertrade/devnet/testing';
import { HubProcess, hubProcess } from './hubs';
import { PeerProxy, startPeerProxy } from './peer-proxy';

const JSONAPI = 'application/vnd.api+json';

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 30000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Komunitin peers from before June 2025 (transfer meta as a string)', function () {
  this.timeout(240000);
  let network: TestNetwork;
  let a: HubProcess;
  let b: HubProcess;
  /** In front of A: what B sends A is rewritten as an old Komunitin server writes it. */
  let proxyA: PeerProxy;
  /** In front of B: B answers as an old Komunitin server does. */
  let proxyB: PeerProxy;
  /** Hub A itself, not through its proxy. */
  let aDirect = '';
  const ids: Record<string, { community: string; account: string; publicKey: string; href: string }> = {};

  const balance = async (h: HubProcess, code: string, account: string) => Number((await h.gov('GET', `/communities/${code}/accounts/${account}`)).body.balance);
  /** A token speaking for one of B's members, as B's server signs its notifies. */
  const tokenOf = async (member: string) => signToken(await b.secret(ids[member].community, ids[member].publicKey), b.url);
  const transferState = async (h: HubProcess, code: string, id: string) => (await h.gov('GET', `/communities/${code}/transfers/${id}`)).body;

  before(async () => {
    network = await startTestNetwork();
    [proxyA, proxyB] = await Promise.all([startPeerProxy(), startPeerProxy()]);
    [a, b] = await Promise.all([
      hubProcess(network, crypto.randomBytes(32).toString('base64url'), { PUBLIC_URL: proxyA.url }),
      hubProcess(network, crypto.randomBytes(32).toString('base64url'), { PUBLIC_URL: proxyB.url }),
    ]);
    aDirect = a.url;
    proxyA.target = a.url;
    proxyB.target = b.url;
    a.url = proxyA.url;
    b.url = proxyB.url;
    proxyA.mode = 'old-sender';
    proxyB.mode = 'old-komunitin';
    for (const [h, code, rate] of [[a, 'AAA1', { n: 1, d: 1 }], [b, 'BBB1', { n: 1, d: 2 }]] as const) {
      const c = await h.gov('POST', '/communities', { code, name: `Community ${code}`, kind: 'hosted', rate });
      assert.equal(c.status, 201, JSON.stringify(c.body));
      for (const n of ['1', '2']) {
        const m = await h.gov('POST', `/communities/${code}/accounts`, { code: `${code}-M${n}`, creditLimit: '100', maxBalance: '1000' });
        assert.equal(m.status, 201, JSON.stringify(m.body));
        const doc = await (await fetch(`${h.url}/${code}/accounts/${code}-M${n}`)).json() as any;
        ids[`${code}-M${n}`] = { community: doc.data.relationships.currency.data.id, account: doc.data.id, publicKey: doc.data.attributes.key, href: doc.data.links.self };
      }
    }
    for (const [h, other, mine, theirs] of [[a, b, 'AAA1', 'BBB1'], [b, a, 'BBB1', 'AAA1']] as const) {
      const p = await h.gov('POST', '/komunitin/peers', { url: `${other.url}/${theirs}/currency` });
      assert.equal(p.status, 200, JSON.stringify(p.body));
      const line = await h.gov('PUT', `/communities/${mine}/credit-lines/${p.body.code}`, { limit: '1000' });
      assert.equal(line.status, 200, JSON.stringify(line.body));
    }
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all([proxyA?.close(), proxyB?.close()]);
    await network?.close();
  });

  it('notifies the old server with meta as a string: learned from its refusal once (the first it hears of it), then sent so at once', async () => {
    const before = await balance(b, 'BBB1', 'BBB1-M2');
    const pay = async (amount: string) => {
      const r = await a.gov('POST', '/communities/AAA1/komunitin/payments', { account: 'AAA1-M1', to: ids['BBB1-M2'].href, amount, description: 'to the old server' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const t = await until('the notify to be acknowledged or refused', async () => {
        const x = await transferState(a, 'AAA1', r.body.transfer);
        return x.state !== 'settled' ? x : null;
      });
      assert.equal(t.state, 'delivered', JSON.stringify(t.deliveries));
      return r.body;
    };
    const first = await pay('3');
    assert.deepEqual(proxyB.posts.get(first.id), ['object', 'string'], 'refused as an object, taken as a string');
    const second = await pay('1');
    assert.deepEqual(proxyB.posts.get(second.id), ['string'], 'the form learned is sent first');
    // 4 AAA1 = 4 HOUR = 8 BBB1.
    assert.equal(await balance(b, 'BBB1', 'BBB1-M2') - before, 8);
  });

  it('records a payment the old server notifies with meta as a string, and answers in that form', async () => {
    const before = await balance(a, 'AAA1', 'AAA1-M1');
    const r = await b.gov('POST', '/communities/BBB1/komunitin/payments', { account: 'BBB1-M1', to: ids['AAA1-M1'].href, amount: '4', description: 'old bread' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const t = await until('the notify to be answered', async () => {
      const x = await transferState(b, 'BBB1', r.body.transfer);
      return x.deliveries[0]?.state !== 'pending' ? x : null;
    });
    assert.deepEqual(proxyA.posts.get(r.body.id), ['string']);
    const answer = proxyA.answers.find((x) => x.id === r.body.id)!;
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal(answer.body.data.attributes.meta, 'old bread', 'answered in the form it was asked');
    assert.equal(t.deliveries[0].state, 'delivered');
    // 4 BBB1 = 2 HOUR = 2 AAA1.
    assert.equal(await balance(a, 'AAA1', 'AAA1-M1') - before, 2);
    const seen = await fetch(`${aDirect}/AAA1/transfers/${r.body.id}`, { headers: { authorization: `Bearer ${await tokenOf('BBB1-M1')}` } });
    const doc = await seen.json() as any;
    assert.equal(seen.status, 200, JSON.stringify(doc));
    assert.deepEqual([doc.data.attributes.hash, doc.data.attributes.meta.description], [r.body.hash, 'old bread']);
  });

  it('asks the old server for a payment in its form, and takes its payment request with meta as a string', async () => {
    const asked = await a.gov('POST', '/communities/AAA1/komunitin/requests', { account: 'AAA1-M2', to: ids['BBB1-M2'].href, amount: '2', description: 'lessons' });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    assert.equal(asked.body.state, 'pending');
    assert.deepEqual(proxyB.posts.get(asked.body.id), ['string']);
    const atB = (await b.gov('GET', '/communities/BBB1/komunitin/requests?state=pending')).body.transfers.find((x: any) => x.id === asked.body.id);
    assert.equal(atB?.description, 'lessons');

    const theirs = await b.gov('POST', '/communities/BBB1/komunitin/requests', { account: 'BBB1-M1', to: ids['AAA1-M2'].href, amount: '2', description: 'old ask' });
    assert.equal(theirs.status, 201, JSON.stringify(theirs.body));
    assert.equal(theirs.body.state, 'pending');
    assert.deepEqual(proxyA.posts.get(theirs.body.id), ['string']);
    const atA = (await a.gov('GET', '/communities/AAA1/komunitin/requests?state=pending')).body.transfers.find((x: any) => x.id === theirs.body.id);
    assert.equal(atA?.description, 'old ask');
  });

  it('records from the ledger, once, a payment whose notify it refused for its document (a description longer than it takes)', async () => {
    const before = await balance(a, 'AAA1', 'AAA1-M2');
    proxyA.edit = (doc) => { doc.data.attributes.meta = `long ${'x'.repeat(2500)}`; };
    let r;
    try {
      r = await b.gov('POST', '/communities/BBB1/komunitin/payments', { account: 'BBB1-M1', to: ids['AAA1-M2'].href, amount: '2', description: 'long' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const id = r.body.id as string;
      const refused = await until('the notify to be answered', async () => proxyA.answers.find((x) => x.id === id));
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.errors[0].code, 'FieldValidationError');
      assert.equal(refused.body.errors[0].source.pointer, '/data/attributes/meta');
    } finally {
      proxyA.edit = null;
    }
    // 2 BBB1 = 1 HOUR = 1 AAA1, on the ledger (balances are the ledger's); and recorded by A from it.
    assert.equal(await balance(a, 'AAA1', 'AAA1-M2') - before, 1);
    const token = await tokenOf('BBB1-M1');
    const seen = await until('the recorded transfer', async () => {
      const res = await fetch(`${aDirect}/AAA1/transfers/${r.body.id}`, { headers: { authorization: `Bearer ${token}` } });
      return res.status === 200 ? (await res.json() as any).data.attributes : null;
    });
    assert.equal(seen.hash, r.body.hash);
    assert.equal(seen.state, 'committed');
    assert.match(seen.meta.description, /^long x+$/);

    // The notify again, now one the hub takes: the same transfer, nothing new.
    const again = await fetch(`${aDirect}/AAA1/transfers`, {
      method: 'POST',
      headers: { 'content-type': JSONAPI, authorization: `Bearer ${token}` },
      body: JSON.stringify({
        data: {
          type: 'transfers', id: r.body.id,
          attributes: { amount: 10000, meta: 'long', state: 'committed', hash: r.body.hash },
          relationships: {
            payer: { data: { type: 'accounts', id: ids['BBB1-M1'].account, meta: { external: true, href: ids['BBB1-M1'].href } } },
            payee: { data: { type: 'accounts', id: ids['AAA1-M2'].account } },
          },
        },
      }),
    });
    const doc = await again.json() as any;
    assert.equal(again.status, 201, JSON.stringify(doc));
    assert.deepEqual([doc.data.id, doc.data.attributes.hash], [r.body.id, r.body.hash]);
    assert.equal(await balance(a, 'AAA1', 'AAA1-M2') - before, 1);
    const s = await openStorage(loadConfig({ ...a.env, LOG_LEVEL: 'silent' }), createLogger('silent'), { attach: true });
    try {
      assert.equal((await s.db.owner('transfers').where({ ledger_hash: r.body.hash })).length, 1);
      assert.equal((await s.db.owner('komunitin_transfers').where({ hash: r.body.hash })).length, 1);
      const kept = await s.db.owner('komunitin_refused_notifies').where({ hash: r.body.hash });
      assert.deepEqual(kept.map((k: any) => k.state), ['recorded']);
      assert.match(kept[0].reason, /FieldValidationError/);
    } finally {
      await s.close();
    }
  });

  it('refuses a meta of neither form with a JSON:API error naming it', async () => {
    const token = await tokenOf('BBB1-M1');
    const post = async (meta: unknown, opts: { hash?: string; token?: string } = {}) => {
      const res = await fetch(`${aDirect}/AAA1/transfers`, {
        method: 'POST',
        headers: { 'content-type': JSONAPI, ...(opts.token === '' ? {} : { authorization: `Bearer ${opts.token ?? token}` }) },
        body: JSON.stringify({
          data: {
            type: 'transfers', id: crypto.randomUUID(),
            attributes: { amount: 10000, meta, state: 'committed', hash: opts.hash ?? 'ab'.repeat(32) },
            relationships: {
              payer: { data: { type: 'accounts', id: ids['BBB1-M1'].account, meta: { external: true, href: ids['BBB1-M1'].href } } },
              payee: { data: { type: 'accounts', id: ids['AAA1-M1'].account } },
            },
          },
        }),
      });
      return { status: res.status, error: ((await res.json()) as any).errors[0] };
    };
    for (const [meta, pointer] of [[42, '/data/attributes/meta'], [['x'], '/data/attributes/meta'], [null, '/data/attributes/meta'],
      [{ description: 5 }, '/data/attributes/meta/description'], [{}, '/data/attributes/meta/description']] as const) {
      const r = await post(meta);
      assert.equal(r.status, 400, `${JSON.stringify(meta)}: ${JSON.stringify(r.error)}`);
      assert.equal(r.error.code, 'FieldValidationError');
      assert.equal(r.error.source.pointer, pointer, JSON.stringify(meta));
    }
    assert.match((await post(42)).error.detail, /a string or an object/);
    // Refused before anything was checked: kept to be looked up on the ledger, but only if
    // a peer account signed it.
    assert.equal((await post(42, { hash: 'cd'.repeat(32), token: '' })).status, 400);
    const s = await openStorage(loadConfig({ ...a.env, LOG_LEVEL: 'silent' }), createLogger('silent'), { attach: true });
    try {
      const kept = await s.db.owner('komunitin_refused_notifies').whereIn('hash', ['ab'.repeat(32), 'cd'.repeat(32)]);
      assert.deepEqual(kept.map((k: any) => [k.hash, k.state]), [['ab'.repeat(32), 'pending']], 'the ledger does not show it (yet)');
    } finally {
      await s.close();
    }
  });

  it('takes the unrounded amount an old server states (the ledger says what was paid)', async () => {
    proxyA.edit = (doc) => { doc.data.attributes.amount += 0.5; };
    try {
      // 1 BBB1 = 0.5 HOUR = 0.5 AAA1 = 5000 at scale 4, stated 5000.5.
      const r = await b.gov('POST', '/communities/BBB1/komunitin/payments', { account: 'BBB1-M2', to: ids['AAA1-M1'].href, amount: '1', description: 'unrounded' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const answered = await until('the notify to be answered', async () => proxyA.answers.find((x) => x.id === r.body.id));
      assert.equal(answered.status, 201, JSON.stringify(answered.body));
      assert.equal(answered.body.data.attributes.amount, 5000);
    } finally {
      proxyA.edit = null;
    }
  });
});
