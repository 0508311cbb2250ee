/**
 * Who may do what: every governance operation, asked by each role, is allowed or refused
 * (403 forbidden, naming the missing right, changing nothing) as docs/governance.md#roles
 * says; and, as a property, no token scoped to one community reads or changes another
 * through any route.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fc from 'fast-check';
import { loadClientConfig } from '../../src/config';
import { runGovernanceCli } from '../../src/governance/cli';
import { OutOfReach, confined, unconfined } from '../../src/db/confine';
import { operation } from '../../src/governance/operation';
import { governanceOperations, governanceRouter } from '../../src/governance/routes';
import { createMetrics } from '../../src/http/metrics';
import { createHttpApp, listen } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { Answer, TestHub, assertSchema, startGovernanceHub, token } from './api';

type Who = 'operator' | 'green' | 'blue' | 'auditor' | 'greenAuditor';
const EVERYONE: Who[] = ['operator', 'green', 'blue', 'auditor', 'greenAuditor'];
const OPERATOR: Who[] = ['operator'];
const HUB_READERS: Who[] = ['operator', 'auditor'];
/** Who may read / write GRN1's data. */
const READ_GRN: Who[] = ['operator', 'green', 'auditor', 'greenAuditor'];
const WRITE_GRN: Who[] = ['operator', 'green'];

interface Case {
  op: string;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  allowed: Who[];
}

const UNKNOWN_ID = '0b6f5a9e-3c1d-4f7a-9b2e-5d8c7a6f4e3b';
const PEER_ACCOUNT = 'https://127.0.0.1:9/NET1/accounts/5f8b0c2e-0000-4000-8000-000000000000';

describe('governance roles: who may do what', function () {
  this.timeout(300000);
  const OPS = token();
  let h: TestHub;
  const tokens = {} as Record<Who, string>;
  let transferId = '';
  const as = (who: Who, method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) =>
    h.call(method, path, { ...opts, token: tokens[who] });
  const ok = (r: Answer, status: number) => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    return r.body;
  };
  /** Every row a refused request could have touched, read as the owner (past RLS). */
  const snapshot = async () => {
    const o = h.hub.db.owner;
    return JSON.stringify({
      communities: await o('communities').orderBy('code'),
      accounts: await o('accounts').orderBy(['community_id', 'code']),
      lines: await o('credit_lines').orderBy(['community_id', 'peer_id']),
      transfers: await o('transfers').orderBy('id'),
      netting: await o('netting_settings').orderBy('community_id'),
      nettingRuns: await o('netting_runs').count({ n: '*' }),
      audit: await o('audit_log').count({ n: '*' }),
      tokens: await o('governance_tokens').orderBy('id'),
      komunitin: await o('komunitin_transfers').count({ n: '*' }),
      policies: await o('komunitin_policies').select('*'),
    });
  };

  before(async () => {
    h = await startGovernanceHub({ GOVERNANCE_TOKENS: `ops:${OPS}` }, OPS);
    tokens.operator = OPS;
    for (const code of ['GRN1', 'BLU1', 'RED1']) {
      ok(await h.call('POST', '/communities', { body: { code, name: `Community ${code}`, kind: 'hosted' } }), 201);
    }
    for (const code of ['GRN1', 'GRN1', 'BLU1', 'RED1']) ok(await h.call('POST', `/communities/${code}/accounts`, { body: { creditLimit: '100', maxBalance: '1000' } }), 201);
    ok(await h.call('PUT', '/communities/BLU1/credit-lines/GRN1', { body: { limit: '100' } }), 200);
    ok(await h.call('PUT', '/communities/GRN1/credit-lines/BLU1', { body: { limit: '50' } }), 200);
    ok(await h.call('PUT', '/communities/RED1/credit-lines/BLU1', { body: { limit: '20' } }), 200);
    const t = ok(await h.call('POST', '/transfers', { body: { payer: 'GRN1/GRN10001', payee: 'BLU1/BLU10001', amount: '1' }, headers: { 'idempotency-key': crypto.randomUUID() } }), 201);
    assert.equal(t.state, 'settled', JSON.stringify(t));
    transferId = t.id;
    const create = async (actor: string, role: string, communities?: string[]) => {
      const r = ok(await h.call('POST', '/tokens', { body: { actor, role, ...(communities ? { communities } : {}) } }), 201);
      assertSchema('NewToken', r);
      return r.token as string;
    };
    tokens.green = await create('green-board', 'community', ['GRN1']);
    tokens.blue = await create('blue-board', 'community', ['BLU1']);
    tokens.auditor = await create('hub-auditor', 'auditor');
    tokens.greenAuditor = await create('green-auditor', 'auditor', ['GRN1']);
  });
  after(async () => {
    await h?.close();
  });

  const cases = (): Case[] => [
    { op: 'listCommunities', method: 'GET', path: '/communities', allowed: EVERYONE },
    { op: 'createCommunity', method: 'POST', path: '/communities', body: { code: 'NEW1', name: 'New', kind: 'hosted' }, allowed: OPERATOR },
    { op: 'getCommunity', method: 'GET', path: '/communities/GRN1', allowed: READ_GRN },
    { op: 'setRate', method: 'PUT', path: '/communities/GRN1/rate', body: { n: 1, d: 1 }, allowed: WRITE_GRN },
    { op: 'setStatus', method: 'PUT', path: '/communities/GRN1/status', body: { status: 'active' }, allowed: WRITE_GRN },
    { op: 'listAccounts', method: 'GET', path: '/communities/GRN1/accounts', allowed: READ_GRN },
    { op: 'createAccount', method: 'POST', path: '/communities/GRN1/accounts', body: {}, allowed: WRITE_GRN },
    { op: 'getAccount', method: 'GET', path: '/communities/GRN1/accounts/GRN10001', allowed: READ_GRN },
    { op: 'setAccountLimits', method: 'PUT', path: '/communities/GRN1/accounts/GRN10001/limits', body: { creditLimit: '100' }, allowed: WRITE_GRN },
    { op: 'listCreditLines', method: 'GET', path: '/communities/GRN1/credit-lines', allowed: READ_GRN },
    // A credit line is its truster's decision: the other side reads it, never sets it.
    { op: 'getCreditLine', method: 'GET', path: '/communities/GRN1/credit-lines/BLU1', allowed: [...READ_GRN, 'blue'] },
    { op: 'setCreditLine', method: 'PUT', path: '/communities/GRN1/credit-lines/BLU1', body: { limit: '50' }, allowed: WRITE_GRN },
    { op: 'removeCreditLine', method: 'DELETE', path: '/communities/GRN1/credit-lines/RED1', allowed: WRITE_GRN },
    // Only the payer's body initiates a payment.
    { op: 'createTransfer', method: 'POST', path: '/transfers', body: { payer: 'GRN1/GRN10001', payee: 'BLU1/BLU10001', amount: '0.5' }, headers: { 'idempotency-key': crypto.randomUUID() }, allowed: WRITE_GRN },
    { op: 'getTransfer', method: 'GET', path: `/communities/GRN1/transfers/${transferId}`, allowed: READ_GRN },
    { op: 'getTransfer', method: 'GET', path: `/communities/BLU1/transfers/${transferId}`, allowed: ['operator', 'blue', 'auditor'] },
    { op: 'listTransfers', method: 'GET', path: '/communities/GRN1/transfers?state=settled,delivered&protocol=governance&limit=5', allowed: READ_GRN },
    { op: 'listAudit', method: 'GET', path: '/audit', allowed: EVERYONE },
    { op: 'reconcile', method: 'POST', path: '/reconcile', body: {}, allowed: OPERATOR },
    { op: 'createToken', method: 'POST', path: '/tokens', body: { actor: 'someone', role: 'auditor' }, allowed: OPERATOR },
    { op: 'listTokens', method: 'GET', path: '/tokens', allowed: OPERATOR },
    { op: 'getMe', method: 'GET', path: '/me', allowed: EVERYONE },
    { op: 'revokeTokens', method: 'DELETE', path: '/tokens/nobody', allowed: OPERATOR },
    { op: 'approveExchange', method: 'POST', path: '/exchanges', body: { code: 'LET1', name: 'Town', uri: 'https://lets.example/town', creditLimit: '500', maxBalance: '500' }, allowed: OPERATOR },
    { op: 'listExchanges', method: 'GET', path: '/exchanges', allowed: HUB_READERS },
    { op: 'getExchange', method: 'GET', path: '/exchanges/GRN1', allowed: READ_GRN },
    { op: 'listBalanceMismatches', method: 'GET', path: '/exchanges/GRN1/mismatches', allowed: READ_GRN },
    { op: 'setExchangeStatus', method: 'PUT', path: '/exchanges/GRN1/status', body: { status: 'active' }, allowed: WRITE_GRN },
    { op: 'rotateExchangeKey', method: 'POST', path: '/exchanges/GRN1/key', allowed: OPERATOR },
    { op: 'setExchangeTicks', method: 'PUT', path: '/exchanges/GRN1/ticks', body: { ticks: '60' }, allowed: WRITE_GRN },
    { op: 'setExchangeLegacy', method: 'PUT', path: '/exchanges/GRN1/legacy', body: { enabled: false }, allowed: OPERATOR },
    { op: 'registerKomunitinPeer', method: 'POST', path: '/komunitin/peers', body: { url: 'https://127.0.0.1:9/NET1/currency' }, allowed: OPERATOR },
    { op: 'payKomunitinAccount', method: 'POST', path: '/communities/GRN1/komunitin/payments', body: { account: 'GRN10001', to: PEER_ACCOUNT, amount: '1' }, allowed: WRITE_GRN },
    { op: 'requestKomunitinPayment', method: 'POST', path: '/communities/GRN1/komunitin/requests', body: { account: 'GRN10001', to: PEER_ACCOUNT, amount: '1' }, allowed: WRITE_GRN },
    { op: 'listKomunitinRequests', method: 'GET', path: '/communities/GRN1/komunitin/requests', allowed: READ_GRN },
    { op: 'acceptKomunitinRequest', method: 'POST', path: `/communities/GRN1/komunitin/requests/${UNKNOWN_ID}/accept`, allowed: WRITE_GRN },
    { op: 'rejectKomunitinRequest', method: 'POST', path: `/communities/GRN1/komunitin/requests/${UNKNOWN_ID}/reject`, allowed: WRITE_GRN },
    { op: 'setKomunitinPolicy', method: 'PUT', path: '/communities/GRN1/komunitin/policy', body: { acceptRequests: 'manual' }, allowed: WRITE_GRN },
    { op: 'getTradeLimits', method: 'GET', path: '/communities/GRN1/trade-limits', allowed: READ_GRN },
    { op: 'getNetting', method: 'GET', path: '/communities/GRN1/netting', allowed: READ_GRN },
    { op: 'setNetting', method: 'PUT', path: '/communities/GRN1/netting', body: { optedIn: true, cap: '50' }, allowed: WRITE_GRN },
    { op: 'previewNetting', method: 'GET', path: '/netting/preview', allowed: EVERYONE },
    { op: 'runNetting', method: 'POST', path: '/netting/runs', allowed: OPERATOR },
    { op: 'listNettingRuns', method: 'GET', path: '/netting/runs', allowed: HUB_READERS },
    // An exchange's governing body reads its totals at the hub's Clearing Central (GRN1 is not listed: 404, not 403).
    { op: 'ccsGetTotals', method: 'GET', path: '/clearing-central/server/exchanges/GRN1/totals', allowed: READ_GRN },
  ];

  it('has a case for every operation that declares a right, each operation documenting 403', async () => {
    const ops = governanceOperations(h.hub, h.hub.governancePlugins).filter((o) => !o.public);
    const covered = new Set(cases().map((c) => c.op));
    assert.deepEqual(ops.filter((o) => o.access && !covered.has(o.id)).map((o) => o.id), [], 'declared, but no case says who may');
    const doc = ok(await h.call('GET', '/openapi.json', { token: null }), 200);
    for (const o of ops) assert.ok(doc.paths[o.path][o.method].responses['403'], `${o.id} documents 403`);
  });

  // Titles name the operation only: the cases are built once the fixtures exist.
  for (const [i, name] of ['listCommunities', 'createCommunity', 'getCommunity', 'setRate', 'setStatus', 'listAccounts', 'createAccount', 'getAccount',
    'setAccountLimits', 'listCreditLines', 'getCreditLine', 'setCreditLine', 'removeCreditLine', 'createTransfer', 'getTransfer (payer side)',
    'getTransfer (payee side)', 'listTransfers', 'listAudit', 'reconcile', 'createToken', 'listTokens', 'getMe', 'revokeTokens', 'approveExchange', 'listExchanges',
    'getExchange', 'listBalanceMismatches', 'setExchangeStatus', 'rotateExchangeKey', 'setExchangeTicks', 'setExchangeLegacy',
    'registerKomunitinPeer', 'payKomunitinAccount', 'requestKomunitinPayment', 'listKomunitinRequests', 'acceptKomunitinRequest',
    'rejectKomunitinRequest', 'setKomunitinPolicy', 'getTradeLimits', 'getNetting', 'setNetting', 'previewNetting', 'runNetting', 'listNettingRuns', 'ccsGetTotals'].entries()) {
    it(`${name}: refused (403, nothing changed) to every role but those allowed, who pass`, async () => {
      const c = cases()[i];
      assert.equal(c.op, name.split(' ')[0]);
      for (const who of EVERYONE.filter((w) => !c.allowed.includes(w))) {
        const before = await snapshot();
        const r = await as(who, c.method, c.path, { body: c.body, headers: c.headers });
        assert.equal(r.status, 403, `${who} ${c.method} ${c.path}: ${JSON.stringify(r.body)}`);
        assertSchema('Error', r.body);
        assert.equal(r.body.error.code, 'forbidden');
        assert.match(r.body.error.message, / lacks (read|write|the hub operator's right)/);
        assert.equal(await snapshot(), before, `${who} ${c.method} ${c.path} changed nothing`);
      }
      for (const who of c.allowed) {
        const r = await as(who, c.method, c.path, { body: c.body, headers: { ...c.headers, ...(c.headers ? { 'idempotency-key': crypto.randomUUID() } : {}) } });
        assert.ok(![401, 403].includes(r.status) && r.status < 500 || r.status === 502, `${who} ${c.method} ${c.path}: ${r.status} ${JSON.stringify(r.body)}`);
      }
    });
  }

  it('keeps every operation that declares no right (e.g. one a protocol adds later) to the hub operator: 403 to every other role, before its body is read', async () => {
    const undeclared = governanceOperations(h.hub, h.hub.governancePlugins).filter((o) => !o.public && !o.access && !cases().some((c) => c.op === o.id));
    for (const o of undeclared) {
      const path = o.path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'code' || name === 'peer' ? 'GRN1' : name === 'id' ? UNKNOWN_ID : 'x'));
      for (const who of EVERYONE.filter((w) => w !== 'operator')) {
        const before = await snapshot();
        const r = await as(who, o.method.toUpperCase(), path, o.body ? { body: {} } : {});
        assert.equal(r.status, 403, `${o.id} as ${who}: ${JSON.stringify(r.body)}`);
        assert.match(r.body.error.message, /lacks the hub operator's right/);
        assert.equal(await snapshot(), before);
      }
    }
  });

  it('shows a governing body only its communities, and only the audit entries about them, with actor and role', async () => {
    const listed = ok(await as('green', 'GET', '/communities'), 200);
    assert.deepEqual(listed.communities.map((c: { code: string }) => c.code), ['GRN1']);
    ok(await as('green', 'PUT', '/communities/GRN1/accounts/GRN10002/limits', { body: { creditLimit: '42' } }), 200);
    const entries = ok(await as('green', 'GET', '/audit?limit=1000'), 200).entries as Array<{ actor: string; role: string | null; communities: string[]; subject: string }>;
    assertSchema('AuditList', { entries });
    assert.ok(entries.length > 0);
    for (const e of entries) assert.ok(e.communities.includes('GRN1'), `${e.subject} is about GRN1`);
    assert.deepEqual([entries[0].actor, entries[0].role, entries[0].subject], ['green-board', 'community', 'account:GRN1/GRN10002']);
    // The line BLU1 grants GRN1 is GRN1's to see, in the log too.
    assert.ok(entries.some((e) => e.subject === 'credit-line:BLU1→GRN1'));
    const all = ok(await as('auditor', 'GET', '/audit?limit=1000'), 200).entries as Array<{ subject: string; role: string | null }>;
    assert.ok(all.some((e) => e.subject === 'community:RED1' && e.role === 'operator'));
    assert.ok(!entries.some((e) => e.subject === 'community:RED1'));
  });

  it('shows a governing body the netting preview of its communities only, without the hub-wide totals', async () => {
    const green = ok(await as('green', 'GET', '/netting/preview'), 200);
    assertSchema('NettingPreview', green);
    assert.deepEqual([...green.communities, ...green.leftOut].map((x: { community: string }) => x.community), ['GRN1']);
    assert.equal(green.totals, undefined);
    const operator = ok(await as('operator', 'GET', '/netting/preview'), 200);
    assertSchema('NettingPreview', operator);
    assert.ok(operator.leftOut.length >= 3, 'every community is listed, with why it takes no part');
    assert.deepEqual(Object.keys(operator.totals), ['gross', 'cleared', 'share']);
  });

  it('no community-scoped token reads or changes another community through any route (property)', async () => {
    const others = ['BLU1', 'RED1'];
    const any = ['GRN1', 'BLU1', 'RED1'];
    const account = (code: string) => `${code}0001`;
    /** Every route, with {x} the other community and {y} any community. */
    const routes = (x: string, y: string): Array<{ method: string; path: string; body?: unknown; headers?: Record<string, string>; mayRead?: boolean }> => [
      { method: 'GET', path: `/communities/${x}` },
      { method: 'PUT', path: `/communities/${x}/rate`, body: { n: 2, d: 1 } },
      { method: 'PUT', path: `/communities/${x}/status`, body: { status: 'blocked' } },
      { method: 'GET', path: `/communities/${x}/accounts` },
      { method: 'POST', path: `/communities/${x}/accounts`, body: {} },
      { method: 'GET', path: `/communities/${x}/accounts/${account(x)}` },
      { method: 'PUT', path: `/communities/${x}/accounts/${account(x)}/limits`, body: { creditLimit: '7' } },
      { method: 'GET', path: `/communities/${x}/credit-lines` },
      // Reading a line granted to GRN1 is GRN1's right (y = GRN1).
      { method: 'GET', path: `/communities/${x}/credit-lines/${y}`, mayRead: y === 'GRN1' },
      { method: 'PUT', path: `/communities/${x}/credit-lines/${y}`, body: { limit: '3' } },
      { method: 'DELETE', path: `/communities/${x}/credit-lines/${y}` },
      { method: 'POST', path: '/transfers', body: { payer: `${x}/${account(x)}`, payee: `${y}/${account(y)}`, amount: '0.1' }, headers: { 'idempotency-key': crypto.randomUUID() } },
      { method: 'GET', path: `/communities/${x}/transfers/${transferId}`, mayRead: x === 'BLU1' ? false : undefined },
      { method: 'GET', path: `/communities/${x}/transfers` },
      { method: 'GET', path: `/exchanges/${x}` },
      { method: 'PUT', path: `/exchanges/${x}/status`, body: { status: 'blocked' } },
      { method: 'PUT', path: `/exchanges/${x}/ticks`, body: { ticks: '5' } },
      { method: 'GET', path: `/communities/${x}/komunitin/requests` },
      { method: 'PUT', path: `/communities/${x}/komunitin/policy`, body: { acceptRequests: 'auto' } },
      { method: 'POST', path: `/communities/${x}/komunitin/payments`, body: { account: account(x), to: PEER_ACCOUNT, amount: '1' } },
      { method: 'POST', path: `/communities/${x}/komunitin/requests/${UNKNOWN_ID}/accept` },
      { method: 'POST', path: '/communities', body: { code: 'ZZZ9', name: 'Z', kind: 'hosted' } },
      { method: 'POST', path: '/tokens', body: { actor: 'me', role: 'operator' } },
      { method: 'POST', path: '/reconcile', body: { repair: true } },
    ];
    const n = routes('BLU1', 'GRN1').length;
    await fc.assert(fc.asyncProperty(
      fc.constantFrom<Who>('green', 'greenAuditor'), fc.constantFrom(...others), fc.constantFrom(...any), fc.nat({ max: n - 1 }),
      async (who, x, y, i) => {
        const r = routes(x, y)[i];
        const before = await snapshot();
        const a = await as(who, r.method, r.path, { body: r.body, headers: r.headers });
        if (r.mayRead && r.method === 'GET') {
          assert.ok([200, 404].includes(a.status), JSON.stringify(a.body));
          if (a.status === 200) assert.equal(a.body.peer, 'GRN1');
        } else {
          assert.equal(a.status, 403, `${who} ${r.method} ${r.path}: ${JSON.stringify(a.body)}`);
          assert.equal(a.body.error.code, 'forbidden');
        }
        assert.equal(await snapshot(), before);
      },
    ), { numRuns: 60 });
    // Hub-wide lists answer with its own only.
    for (const who of ['green', 'greenAuditor'] as const) {
      const cs = ok(await as(who, 'GET', '/communities'), 200).communities as Array<{ code: string }>;
      assert.deepEqual(cs.map((c) => c.code), ['GRN1']);
    }
  });

  it('creates, lists and revokes tokens from the CLI; a revoked or expired token stops working at once', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const cli = (line: string[]) => runGovernanceCli(line, loadClientConfig({ HUB_URL: h.hub.url, GOVERNANCE_TOKEN: OPS }), { out: (l) => out.push(l), err: (l) => err.push(l) });
    assert.equal(await cli(['token', 'create', '--actor', 'coast-board', '--role', 'community', '--community', 'BLU1', '--community', 'RED1']), 0, err.join('\n'));
    const issued = out[out.length - 1];
    assert.match(issued, /^it_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/, 'the token alone on the last line');
    assert.match(out[0], /coast-board: community of BLU1, RED1, until revoked/);
    const coast = (method: string, path: string, body?: unknown) => h.call(method, path, { body, token: issued });
    assert.equal((await coast('GET', '/communities/RED1')).status, 200);
    assert.equal((await coast('GET', '/communities/GRN1')).status, 403);
    out.length = 0;
    assert.equal(await cli(['token', 'list']), 0);
    assert.ok(out.some((l) => /^coast-board\s+community\s+BLU1,RED1\s/.test(l)), out.join('\n'));
    assert.ok(!out.join('\n').includes(issued.slice(16)), 'never the token itself');
    assert.equal(await cli(['token', 'revoke', 'coast-board']), 0);
    assert.equal((await coast('GET', '/communities/RED1')).status, 401);
    assert.equal(await cli(['token', 'revoke', 'coast-board']), 1, 'nothing left to revoke');

    const soon = new Date(Date.now() + 1500).toISOString();
    out.length = 0;
    assert.equal(await cli(['token', 'create', '--actor', 'temp', '--role', 'auditor', '--expires', soon]), 0, err.join('\n'));
    const temp = out[out.length - 1];
    assert.equal((await h.call('GET', '/communities', { token: temp })).status, 200);
    await new Promise((r) => setTimeout(r, 1600));
    assert.equal((await h.call('GET', '/communities', { token: temp })).status, 401);

    // Only a keyed hash is kept.
    const rows = await h.hub.db.owner('governance_tokens').select('digest');
    for (const r of rows) assert.equal((r.digest as Buffer).length, 32);
    assert.ok(!JSON.stringify(await h.hub.db.owner('governance_tokens')).includes(issued.slice(16)));
  });

  it('confines a scoped request to its communities: work reaching another is refused before any transaction opens', async () => {
    const { db } = h.hub;
    const id = async (code: string) => (await db.owner('communities').where({ code }).first('id')).id as string;
    const [grn, blu] = [await id('GRN1'), await id('BLU1')];
    await confined([grn], async () => {
      const rows = await db.community(grn, (trx) => trx('accounts').select('community_id'));
      assert.ok(rows.length > 0 && rows.every((r) => r.community_id === grn));
      await assert.rejects(db.community(blu, (trx) => trx('accounts').select('*')), OutOfReach);
      await assert.rejects(db.trip([{ communityId: blu, sql: 'select 1', bindings: [] }]), OutOfReach);
      // Hub scope: RLS shows no community's rows at all.
      assert.deepEqual(await db.hub((trx) => trx('accounts').select('*')), []);
      // Shared work (a group commit) runs outside the request that started it.
      assert.ok((await unconfined(() => db.community(blu, (trx) => trx('accounts').select('*')))).length > 0);
    });
  });

  it('answers 403 when a route declares the wrong community and its handler reaches another (a missed check)', async () => {
    // A deliberately wrong operation: checked against {code}, it reads BLU1's accounts.
    const sloppy = operation({
      id: 'sloppy', method: 'get', path: '/communities/{code}/sloppy', tag: 'test',
      access: { right: 'read', community: { param: 'code' } },
      summary: 'reads BLU1 whatever it is asked', responses: { 200: { description: 'BLU1\'s accounts' } }, errors: [],
      async handle() {
        const blu = await h.hub.communities.getByCode('BLU1');
        return { status: 200, body: { accounts: (await h.hub.accounts.list(blu as never)).length } };
      },
    });
    const app = createHttpApp({
      logger: createLogger('silent'), metrics: createMetrics(), bodyLimit: 1024 * 1024,
      routers: [governanceRouter({ ...h.hub, auth: { enabled: true, describe: 'test', authenticate: () => null }, tokens: h.hub.tokens, plugins: { operations: [sloppy], schemas: [] } })],
    });
    const http = await listen(app, 0, '127.0.0.1', 1000);
    try {
      const get = (t: string) => fetch(`http://127.0.0.1:${http.port}/governance/v1/communities/GRN1/sloppy`, { headers: { authorization: `Bearer ${t}` } });
      const r = await get(tokens.green);
      assert.equal(r.status, 403);
      assert.match(((await r.json()) as { error: { message: string } }).error.message, /rows of a community this request does not concern/);
      assert.equal((await get(tokens.auditor)).status, 200, 'a hub-wide auditor may read it all');
    } finally {
      await http.stop();
    }
  });

  it('refuses tokens that would grant nothing sensible', async () => {
    const bad = async (body: unknown, field: string) => {
      const r = await h.call('POST', '/tokens', { body });
      assert.ok([400, 404].includes(r.status), JSON.stringify(r.body));
      assert.equal(r.body.error.field, field);
    };
    await bad({ actor: 'x', role: 'community' }, 'communities');
    await bad({ actor: 'x', role: 'operator', communities: ['GRN1'] }, 'communities');
    await bad({ actor: 'x', role: 'community', communities: ['ZZZ9'] }, 'communities');
    await bad({ actor: 'x', role: 'auditor', expiresAt: '2000-01-01T00:00:00Z' }, 'expiresAt');
  });
});
