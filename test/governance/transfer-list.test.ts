/**
 * GET /communities/{code}/transfers: the transfers paid by or to a community, newest
 * first, filtered by state, protocol and date, a page at a time, each with its protocol,
 * Stellar transaction hash and deliveries; and GET /me.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { seedDemo } from '../../src/demo';
import { TestHub, assertSchema, startGovernanceHub, token } from './api';

describe('governance API: the transfer list and GET /me', function () {
  this.timeout(120000);
  const OPS = token();
  let h: TestHub;
  const list = async (code: string, query = '') => {
    const r = await h.call('GET', `/communities/${code}/transfers${query}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assertSchema('TransferPage', r.body);
    return r.body as { transfers: Array<{ id: string; state: string; payer: string; payee: string; protocol: string; ledgerHash: string | null; createdAt: string; deliveries: unknown[] }>; page: number; limit: number; hasMore: boolean };
  };

  before(async () => {
    h = await startGovernanceHub({ GOVERNANCE_TOKENS: `ops:${OPS}` }, OPS);
    await seedDemo(h.hub, () => {});
    // One the ledger refuses (beyond GRN10001's credit), made by hand.
    const r = await h.call('POST', '/transfers', { body: { payer: 'GRN1/GRN10001', payee: 'GRN1/GRN10002', amount: '100000' }, headers: { 'idempotency-key': crypto.randomUUID() } });
    assert.equal(r.body.state, 'rejected', JSON.stringify(r.body));
  });
  after(async () => {
    await h?.close();
  });

  it('lists what a community paid and was paid, newest first, each with its protocol, Stellar hash and deliveries', async () => {
    const page = await list('BLU1');
    assert.ok(page.transfers.length >= 2);
    assert.ok(page.transfers.every((t) => t.payer.startsWith('BLU1/') || t.payee.startsWith('BLU1/')));
    assert.ok(page.transfers.some((t) => t.payer.startsWith('BLU1/')) && page.transfers.some((t) => t.payee.startsWith('BLU1/')), 'both directions');
    const times = page.transfers.map((t) => Date.parse(t.createdAt));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    for (const t of page.transfers) {
      assert.equal(t.protocol, 'demo');
      assert.match(t.ledgerHash ?? '', /^[0-9a-f]{64}$/);
      assert.ok(Array.isArray(t.deliveries));
    }
    assert.equal(page.hasMore, false);
  });

  it('filters by state, protocol and date, and pages', async () => {
    const rejected = await list('GRN1', '?state=rejected');
    assert.deepEqual(rejected.transfers.map((t) => [t.state, t.protocol]), [['rejected', 'governance']]);
    assert.ok((await list('GRN1', '?state=settled,delivered')).transfers.every((t) => ['settled', 'delivered'].includes(t.state)));
    assert.deepEqual((await list('GRN1', '?protocol=governance')).transfers.map((t) => t.id), rejected.transfers.map((t) => t.id));
    assert.equal((await list('GRN1', '?protocol=cxp')).transfers.length, 0);
    const all = await list('GRN1');
    assert.equal((await list('GRN1', `?from=${new Date(Date.now() + 60000).toISOString()}`)).transfers.length, 0);
    assert.equal((await list('GRN1', `?to=${new Date(Date.now() + 60000).toISOString()}`)).transfers.length, all.transfers.length);
    const first = await list('GRN1', '?limit=2');
    const second = await list('GRN1', '?limit=2&page=2');
    assert.equal(first.hasMore, true);
    assert.deepEqual([...first.transfers, ...second.transfers].map((t) => t.id), all.transfers.slice(0, 4).map((t) => t.id));
  });

  it('refuses a filter it does not know, naming it', async () => {
    for (const [query, field] of [['?state=lost', 'state'], ['?limit=500', 'limit'], ['?from=yesterday', 'from'], ['?color=red', 'color']]) {
      const r = await h.call('GET', `/communities/GRN1/transfers${query}`);
      assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.field, field, query);
    }
    assert.equal((await h.call('GET', '/communities/ZZZ9/transfers')).status, 404);
  });

  it('tells a token who it is: the bootstrap operator, a governing body', async () => {
    const me = await h.call('GET', '/me');
    assertSchema('Me', me.body);
    assert.deepEqual(me.body, { actor: 'ops', role: 'operator', communities: null });
    const t = (await h.call('POST', '/tokens', { body: { actor: 'red-board', role: 'community', communities: ['RED1'] } })).body.token as string;
    assert.deepEqual((await h.call('GET', '/me', { token: t })).body, { actor: 'red-board', role: 'community', communities: ['RED1'] });
    assert.equal((await h.call('GET', '/me', { token: null })).status, 401);
  });
});
