import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CXP_CODES } from '../../../protocols/cxp/errors';
import { TestHub, startGovernanceHub, token } from '../../governance/api';
import { CxpAnswer, CxpClient, FakeExchange, approveExchange, cxpClient, handshakeBody, importExportBalance, startFakeExchange } from './helpers';

/**
 * Property-based fuzzing: well-signed but malformed messages, at least 1,000 per
 * endpoint, must all be answered 4xx with a CXP code (never 5xx, never the hub's own
 * error format) and change nothing.
 */
const RUNS = 1000;

type Kind = 'string' | 'number' | 'integer' | 'boolean';

/** A value that the field's schema refuses, whatever the field. */
function invalid(kind: Kind, field: string): fc.Arbitrary<unknown> {
  const wrongType = {
    string: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 })),
    number: fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 })),
    integer: fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.double({ min: 0.1, max: 1000, noNaN: true }).filter((x) => !Number.isInteger(x))),
    boolean: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
  }[kind];
  const badValue = {
    // A control character and a space break every text and address pattern; 300 characters every length.
    string: fc.oneof(fc.string({ maxLength: 20 }).map((s) => `${s}\u0001 <`), fc.constant('a'.repeat(300))),
    number: field === 'quantity'
      ? fc.oneof(fc.constant(0), fc.double({ min: -1e9, max: -1e-3, noNaN: true }), fc.constant(0.12345678), fc.constant(1e13))
      : fc.oneof(fc.constant(-1e13), fc.constant(1e13), fc.constant(-1000)),
    integer: fc.oneof(fc.integer({ max: -1 }), fc.constant(1e12)),
    boolean: fc.constant('maybe'),
  }[kind];
  return fc.oneof(wrongType, badValue);
}

type Fields = Record<string, Kind>;

/** A valid message with one to three breakages: a field missing, wrong, or one too many. */
function malformed(valid: Record<string, unknown>, fields: Fields, required: string[]): fc.Arbitrary<{ body: string; contentType: string }> {
  const names = Object.keys(fields);
  const breakage = fc.oneof(
    fc.constantFrom(...required).map((f) => (m: Record<string, unknown>) => { delete m[f]; }),
    fc.constantFrom(...names).chain((f) => invalid(fields[f], f).map((v) => (m: Record<string, unknown>) => { m[f] = v; })),
    fc.string({ minLength: 1, maxLength: 8 }).map((k) => (m: Record<string, unknown>) => { m[`zz_${k}`] = 1; }),
  );
  const object = fc.array(breakage, { minLength: 1, maxLength: 3 }).map((bs) => {
    const m = { ...valid };
    for (const b of bs) b(m);
    return { body: JSON.stringify(m), contentType: 'application/json' };
  });
  // Not an object at all: arrays as JSON, other values as text (the hub's JSON parser takes only objects and arrays).
  const notObject = fc.oneof(
    fc.array(fc.jsonValue(), { maxLength: 3 }).map((a) => ({ body: JSON.stringify(a), contentType: 'application/json' })),
    fc.oneof(fc.jsonValue().filter((v) => v === null || typeof v !== 'object'), fc.string()).map((v) => ({ body: typeof v === 'string' ? v : JSON.stringify(v), contentType: 'text/plain' })),
  );
  return fc.oneof({ weight: 9, arbitrary: object }, { weight: 1, arbitrary: notObject });
}

function assertRefused(r: CxpAnswer): void {
  assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text}`);
  assert.ok(Number.isInteger(r.body?.code) && r.body.code in CXP_CODES, r.text);
  assert.equal(CXP_CODES[r.body.code as keyof typeof CXP_CODES].status, r.status);
  assert.equal(typeof r.body.args, 'object');
  assert.ok(r.verified, 'refusals to an authenticated exchange are signed');
}

describe('CXP: fuzzing with malformed messages', function () {
  this.timeout(300000);
  const admin = token();
  let h: TestHub;
  let remote: FakeExchange;
  let a: CxpClient;
  const SITE = 'fuzz-lets.example';
  let state: () => Promise<unknown>;

  before(async () => {
    h = await startGovernanceHub({ GOVERNANCE_TOKENS: `admin:${admin}` }, admin);
    remote = await startFakeExchange();
    const A = await approveExchange(h, { code: 'FZZA', name: 'Fuzz LETS', uri: `http://${SITE}`, creditLimit: '50', maxBalance: '50' });
    const B = await approveExchange(h, { code: 'FZZB', name: 'Fuzz receiver', uri: remote.uri, creditLimit: '50', maxBalance: '50' });
    remote.creds = B.creds;
    a = cxpClient(h.hub.url, A.creds);
    assert.equal((await h.call('PUT', '/communities/FZZB/credit-lines/FZZA', { body: { limit: '50' } })).status, 200);
    const id = (await h.hub.communities.getByCode('FZZA') as { id: string }).id;
    state = async () => ({
      balance: await importExportBalance(h, 'FZZA'),
      exchange: (await h.call('GET', '/exchanges/FZZA')).body,
      transfers: await h.hub.db.community(id, async (trx) => (await trx('transfers').count({ n: '*' }))[0].n),
      relays: remote.received.length,
    });
  });
  after(async () => {
    await remote?.stop();
    await h?.close();
  });

  it(`PUT /cxp/transactions: ${RUNS} malformed tries, all refused with a CXP code, nothing paid or relayed`, async () => {
    const before = await state();
    const valid = {
      payer: 'ann', payer_url: SITE, payee: 'bob', payee_url: remote.uri, src_url: SITE, dest_url: remote.uri,
      quantity: 1, description: 'fuzz', really: true, temp_id: 'fuzz-1',
    };
    const fields: Fields = {
      payer: 'string', payer_url: 'string', payee: 'string', payee_url: 'string', src_url: 'string', dest_url: 'string',
      quantity: 'number', description: 'string', really: 'boolean', temp_id: 'string',
    };
    await fc.assert(fc.asyncProperty(malformed(valid, fields, Object.keys(fields)), async (m) => {
      assertRefused(await a.request('PUT', '/transactions', m.body, { contentType: m.contentType }));
    }), { numRuns: RUNS });
    assert.deepEqual(await state(), before);
  });

  it(`POST /cxp/server: ${RUNS} malformed handshakes, all refused with a CXP code, nothing stored`, async () => {
    const before = await state();
    const fields: Fields = {
      api: 'number', mail: 'string', ticks: 'number', first_trade: 'integer', traders: 'integer', transactions: 'integer', uri: 'string',
      name: 'string', divisions: 'string', visibility: 'boolean', logo: 'string', lat: 'number', lon: 'number', new_key: 'string',
    };
    const valid = handshakeBody(SITE, { ticks: 3 });
    await fc.assert(fc.asyncProperty(malformed(valid, fields, ['api', 'mail', 'ticks', 'first_trade', 'traders', 'transactions', 'uri']), async (m) => {
      assertRefused(await a.request('POST', '/server', m.body, { contentType: m.contentType }));
    }), { numRuns: RUNS });
    assert.deepEqual(await state(), before);
  });

  it(`GET /cxp/transactions: ${RUNS} malformed prepare forms, all refused with a CXP code, nothing recorded`, async () => {
    const before = await state();
    const bad = fc.oneof(fc.constant(''), fc.string({ maxLength: 6 }).map((s) => `x${s}`), fc.constant('1e999'), fc.constant('-5'), fc.constant('2'));
    const query = fc.record({
      volume: fc.option(fc.oneof(bad, fc.constant('10')), { nil: undefined }),
      integrity: fc.option(fc.oneof(fc.constant('maybe'), fc.constant('0'), fc.constant('1')), { nil: undefined }),
      balance: fc.option(fc.oneof(fc.constant('x'), fc.constant('1e999'), fc.constant('0')), { nil: undefined }),
      extra: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
    }).filter((q) => !(q.extra === undefined && q.integrity === '1' && q.balance === '0' && ['10', '2', ''].includes(q.volume ?? 'absent')));
    await fc.assert(fc.asyncProperty(query, async (q) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(q)) if (v !== undefined) params.append(k === 'extra' ? 'zz' : k, v);
      assertRefused(await a.request('GET', `/transactions${params.size ? `?${params}` : ''}`));
    }), { numRuns: RUNS });
    assert.deepEqual(await state(), before);
  });
});
