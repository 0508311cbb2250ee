/**
 * What the database cannot store never reaches it: U+0000 anywhere and ids that are not
 * UUIDs are refused at the edge, in each protocol's own format, naming the field; and a
 * request that still fails in a group of writes fails alone.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fc from 'fast-check';
import { governanceOperations } from '../../src/governance/routes';
import { findNul } from '../../src/http/edge';
import { TestHub, startGovernanceHub, token } from '../governance/api';

describe('the edge: NUL characters and ids of the wrong type', function () {
  this.timeout(180000);
  const T = token();
  let h: TestHub;
  before(async () => {
    h = await startGovernanceHub({ GOVERNANCE_TOKENS: `ops:${T}` }, T);
    for (const code of ['EDG1', 'EDG2']) assert.equal((await h.call('POST', '/communities', { body: { code, name: code, kind: 'hosted' } })).status, 201);
    for (const code of ['EDG1', 'EDG2']) assert.equal((await h.call('POST', `/communities/${code}/accounts`, { body: { code: `${code}-A`, creditLimit: '1000', maxBalance: '100000' } })).status, 201);
    assert.equal((await h.call('PUT', '/communities/EDG2/credit-lines/EDG1', { body: { limit: '100000' } })).status, 200);
  });
  after(async () => { await h?.close(); });

  it('finds NUL in nested values and keys, by dotted path', function () {
    assert.equal(findNul({ a: [{ b: 'x' }, { c: 'y\u0000' }] }), 'a.1.c');
    assert.equal(findNul({ ['k\u0000']: 1 }), 'k\u0000');
    assert.equal(findNul({ a: 1, b: [true, null, 'ok'] }), null);
    assert.equal(findNul('\u0000'), '');
  });

  it('answers every governance route 400 naming the path parameter that holds NUL, or an id that is not a UUID', async function () {
    const ops = governanceOperations(h.hub, h.hub.governancePlugins).filter((o) => /\{\w+\}/.test(o.path));
    assert.ok(ops.length >= 15, `${ops.length} routes with parameters`);
    for (const op of ops) {
      for (const name of [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        const fill = (bad: string) => op.path.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(p === name ? bad : p === 'id' ? crypto.randomUUID() : 'EDG1'));
        const r = await h.call(op.method.toUpperCase(), fill('SEC\u0000A'), op.body ? { body: {} } : {});
        assert.equal(r.status, 400, `${op.method} ${op.path} (${name}): ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.field, name, `${op.method} ${op.path}`);
        if (name === 'id') {
          const n = await h.call(op.method.toUpperCase(), fill('not-a-uuid'), op.body ? { body: {} } : {});
          assert.equal(n.status, 400, `${op.method} ${op.path}: ${JSON.stringify(n.body)}`);
          assert.equal(n.body.error.field, 'id');
        }
      }
    }
  });

  it('never answers 500 to any text in any parameter, query or body field (property)', async function () {
    const ops = governanceOperations(h.hub, h.hub.governancePlugins).filter((o) => o.method !== 'delete' && !/reconcile|transfers$|payments|requests$|peers$|exchanges$/.test(o.path));
    const text = fc.oneof(fc.string(), fc.constantFrom('\u0000', 'a\u0000', '%00', '\'; drop table transfers; --', '../../etc', 'ÿ\uffff', '0'.repeat(300)));
    await fc.assert(fc.asyncProperty(fc.constantFrom(...ops), text, text, async (op, p, v) => {
      const path = op.path.replace(/\{(\w+)\}/g, () => encodeURIComponent(p) || 'x');
      const r = await h.call(op.method.toUpperCase(), `${path}?subject=${encodeURIComponent(v)}`, op.body ? { body: { name: v, meta: v, limit: v, code: v } } : {});
      assert.ok(r.status < 500, `${op.method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      if ((p.includes('\u0000') && /\{/.test(op.path)) || v.includes('\u0000')) assert.equal(r.status, 400, `${op.method} ${path}: ${JSON.stringify(r.body)}`);
    }), { numRuns: 150 });
  });

  it('refuses NUL in a query or body value naming it, in each protocol\'s format', async function () {
    const audit = await h.call('GET', `/audit?subject=${encodeURIComponent('community:\u0000')}`);
    assert.equal(audit.status, 400);
    assert.equal(audit.body.error.field, 'subject');
    const name = await h.call('POST', '/communities', { body: { code: 'EDG3', name: 'Bad\u0000name', kind: 'hosted' } });
    assert.equal(name.status, 400);
    assert.equal(name.body.error.field, 'name');
    // Komunitin: a JSON:API error pointing at the member.
    const k = await fetch(`${h.hub.url}/EDG1/transfers`, {
      method: 'POST', headers: { 'content-type': 'application/vnd.api+json' },
      body: JSON.stringify({ data: { type: 'transfers', id: crypto.randomUUID(), attributes: { amount: 1, meta: { description: 'x\u0000' } } } }),
    });
    const doc = await k.json() as any;
    assert.equal(k.status, 400, JSON.stringify(doc));
    assert.equal(doc.errors[0].source.pointer, '/data/attributes/meta/description');
    const acc = await fetch(`${h.hub.url}/EDG1/accounts/A%00B`);
    assert.equal(acc.status, 400);
    assert.equal((await acc.json() as any).errors[0].code, 'BadRequest');
    // Asked without a token, the 401 comes before any look-up (the UUID check is behind it).
    const t = await fetch(`${h.hub.url}/EDG1/transfers/not-a-uuid`);
    assert.equal(t.status, 401);
  });

  it('one transfer with NUL in its meta among 80 concurrent ones fails alone', async function () {
    const pay = (meta: string) => h.call('POST', '/transfers', { body: { payer: 'EDG1/EDG1-A', payee: 'EDG2/EDG2-A', amount: '1', meta }, headers: { 'idempotency-key': crypto.randomUUID() } });
    const answers = await Promise.all([...Array.from({ length: 80 }, (_, i) => pay(`fine ${i}`)), pay('bad\u0000meta')]);
    const bad = answers.pop()!;
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'meta');
    assert.deepEqual([...new Set(answers.map((a) => `${a.status} ${a.body.state}`))], ['201 settled']);
  });
});

describe('the edge in CXP\'s format', function () {
  this.timeout(60000);
  const T = token();
  let h: TestHub;
  before(async () => { h = await startGovernanceHub({ GOVERNANCE_TOKENS: `ops:${T}` }, T); });
  after(async () => { await h?.close(); });

  it('answers a NUL in a legacy form field with code 13 naming the field', async function () {
    const r = await fetch(`${h.hub.url}/cxp/legacy/server`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'key=abc&logo=a%00b' });
    const text = await r.text();
    assert.match(text, /13/, text);
    assert.match(text, /logo/, text);
  });
});
