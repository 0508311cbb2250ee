import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { governanceOperations } from '../../src/governance/routes';
import { Answer, TestHub, assertSchema, startGovernanceHub, token } from './api';

const ALICE = token();
const BOB = token();

describe('governance API over HTTP', function () {
  this.timeout(120000);
  let h: TestHub;
  const call: TestHub['call'] = (...args) => h.call(...args);

  before(async () => {
    h = await startGovernanceHub({ GOVERNANCE_TOKENS: `alice:${ALICE},bob:${BOB}` }, ALICE);
  });
  after(async () => {
    await h?.close();
  });

  const ok = (r: Answer, status: number, schema?: string) => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    if (schema) assertSchema(schema, r.body);
    return r.body;
  };
  const community = async (code: string, rate = { n: 1, d: 1 }) =>
    ok(await call('POST', '/communities', { body: { code, name: `Community ${code}`, kind: 'hosted', rate } }), 201, 'Community');
  const member = async (code: string, creditLimit = '100') =>
    ok(await call('POST', `/communities/${code}/accounts`, { body: { creditLimit, maxBalance: '1000' } }), 201, 'Account');
  const pay = async (payer: string, payee: string, amount: string, key: string = crypto.randomUUID()) =>
    call('POST', '/transfers', { body: { payer, payee, amount }, headers: { 'idempotency-key': key } });
  const audit = async (subject: string) => ok(await call('GET', `/audit?subject=${encodeURIComponent(subject)}`), 200, 'AuditList').entries;

  it('creates communities and members, each change audited with its actor, before and after', async () => {
    const c = await community('GRN1');
    assert.equal(c.code, 'GRN1');
    assert.equal(c.ledgerStatus, 'ready');
    assert.deepEqual(c.rate, { n: 1, d: 1 });
    for (const k of ['issuer', 'credit', 'admin', 'externalIssuer', 'externalTrader']) assert.match(c.ledgerAccounts[k], /^G[A-Z2-7]{55}$/);
    assert.equal(c.settings.defaultMaxBalance, '1000.0000000');

    const listed = ok(await call('GET', '/communities'), 200, 'CommunityList');
    assert.deepEqual(listed.communities.map((x: { code: string }) => x.code), ['GRN1']);
    assert.deepEqual(ok(await call('GET', '/communities/GRN1'), 200, 'Community'), c);

    const m1 = await member('GRN1');
    assert.equal(m1.code, 'GRN10001');
    assert.equal(m1.creditLimit, '100.0000000');
    const named = ok(await call('POST', '/communities/GRN1/accounts', { body: { code: 'ANNA' } }), 201, 'Account');
    assert.equal(named.creditLimit, '0.0000000', 'the community default');
    const read = ok(await call('GET', '/communities/GRN1/accounts/GRN10001'), 200, 'Account');
    assert.equal(read.balance, '0.0000000');
    const accounts = ok(await call('GET', '/communities/GRN1/accounts'), 200, 'AccountList').accounts;
    assert.deepEqual(accounts.map((a: { code: string }) => a.code), ['ANNA', 'GRN10001']);

    const limits = ok(await call('PUT', '/communities/GRN1/accounts/GRN10001/limits', { body: { creditLimit: '250.5' }, token: BOB }), 200, 'Account');
    assert.equal(limits.creditLimit, '250.5000000');
    assert.equal(limits.maxBalance, '1000.0000000');
    assert.equal(limits.balance, '0.0000000');

    const [created] = await audit('community:GRN1');
    assert.equal(created.actor, 'alice');
    assert.equal(created.action, 'community.create');
    assert.equal(created.before, null);
    assert.equal(created.after.name, 'Community GRN1');
    assert.ok(Date.now() - Date.parse(created.at) < 60000);
    const [changed] = await audit('account:GRN1/GRN10001');
    assert.equal(changed.actor, 'bob');
    assert.equal(changed.action, 'account.limits');
    assert.deepEqual(changed.before, { creditLimit: '100.0000000', maxBalance: '1000.0000000' });
    assert.deepEqual(changed.after, { creditLimit: '250.5000000', maxBalance: '1000.0000000' });
  });

  it('pays across a credit line, refuses beyond it, and refuses to lower or remove it below its use', async () => {
    await community('CLA1');
    await community('CLB1', { n: 1, d: 2 }); // 2 CLB1 = 1 HOUR
    const a = await member('CLA1');
    const b = await member('CLB1');
    const line = ok(await call('PUT', '/communities/CLB1/credit-lines/CLA1', { body: { limit: '20' }, token: BOB }), 200, 'CreditLine');
    assert.deepEqual(line, { community: 'CLB1', peer: 'CLA1', limit: '20.0000000', usage: '0.0000000' });
    const [set] = await audit('credit-line:CLB1→CLA1');
    assert.equal(set.actor, 'bob');
    assert.equal(set.before, null);
    assert.deepEqual(set.after, { limit: '20.0000000' });

    const key = crypto.randomUUID();
    const t = ok(await pay(`CLA1/${a.code}`, `CLB1/${b.code}`, '16', key), 201, 'Transfer');
    assert.equal(t.state, 'settled');
    assert.equal(t.amount, '16.0000000');
    assert.equal(t.sourceAmount, '8.0000000');
    assert.equal(t.payer, `CLA1/${a.code}`);
    const again = ok(await pay(`CLA1/${a.code}`, `CLB1/${b.code}`, '16', key), 200, 'Transfer');
    assert.equal(again.id, t.id, 'a repeated Idempotency-Key returns the first transfer');
    const conflict = await pay(`CLA1/${a.code}`, `CLB1/${b.code}`, '1', key);
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error.code, 'idempotency_conflict');
    assert.equal(conflict.body.error.field, 'Idempotency-Key');

    const over = ok(await pay(`CLA1/${a.code}`, `CLB1/${b.code}`, '6'), 201, 'Transfer');
    assert.equal(over.state, 'rejected');
    assert.equal(over.errorCode, 'credit_line_full');
    assert.match(over.errorMessage, /credit line .* no room/);

    assert.equal(ok(await call('GET', `/communities/CLB1/accounts/${b.code}`), 200).balance, '16.0000000');
    assert.equal(ok(await call('GET', `/communities/CLA1/accounts/${a.code}`), 200).balance, '-8.0000000');
    const lines = ok(await call('GET', '/communities/CLB1/credit-lines'), 200, 'CreditLineList');
    assert.deepEqual(lines.creditLines, [{ community: 'CLB1', peer: 'CLA1', limit: '20.0000000', usage: '16.0000000' }]);
    assert.deepEqual(ok(await call('GET', `/communities/CLB1/transfers/${t.id}`), 200, 'Transfer'), ok(await call('GET', `/communities/CLA1/transfers/${t.id}`), 200));

    const lower = await call('PUT', '/communities/CLB1/credit-lines/CLA1', { body: { limit: '10' } });
    assert.equal(lower.status, 422);
    assert.deepEqual([lower.body.error.code, lower.body.error.field], ['below_outstanding', 'limit']);
    const remove = await call('DELETE', '/communities/CLB1/credit-lines/CLA1');
    assert.equal(remove.status, 422);
    assert.equal(remove.body.error.code, 'below_outstanding');
    assert.equal(ok(await call('GET', '/communities/CLB1/credit-lines'), 200).creditLines[0].limit, '20.0000000');
    assert.equal((await audit('credit-line:CLB1→CLA1')).length, 1, 'refusals are not recorded as changes');

    // Paid back, the line can go.
    await h.hub.rebalancer.idle();
    assert.equal(ok(await pay(`CLB1/${b.code}`, `CLA1/${a.code}`, '8'), 201).state, 'settled');
    assert.equal((await call('DELETE', '/communities/CLB1/credit-lines/CLA1')).status, 204);
    assert.deepEqual(ok(await call('GET', '/communities/CLB1/credit-lines'), 200).creditLines, []);
    const [removed] = await audit('credit-line:CLB1→CLA1');
    assert.equal(removed.action, 'credit-line.remove');
    assert.deepEqual([removed.before, removed.after], [{ limit: '20.0000000' }, null]);
  });

  it('re-prices payments after a rate change, and records the old and new rate', async () => {
    await community('RTA1');
    await community('RTB1');
    const a = await member('RTA1');
    const b = await member('RTB1');
    ok(await call('PUT', '/communities/RTB1/credit-lines/RTA1', { body: { limit: '100' } }), 200);
    assert.equal(ok(await pay(`RTA1/${a.code}`, `RTB1/${b.code}`, '10'), 201).sourceAmount, '10.0000000');
    await h.hub.rebalancer.idle();
    const changed = ok(await call('PUT', '/communities/RTA1/rate', { body: { n: 2, d: 1 }, token: BOB }), 200, 'Community');
    assert.deepEqual(changed.rate, { n: 2, d: 1 });
    const t = ok(await pay(`RTA1/${a.code}`, `RTB1/${b.code}`, '10'), 201);
    assert.equal(t.state, 'settled');
    assert.equal(t.sourceAmount, '5.0000000', 'one RTA1 is now worth 2 HOUR');
    const [entry] = await audit('community:RTA1');
    assert.deepEqual([entry.actor, entry.action, entry.before, entry.after], ['bob', 'community.rate', { n: 1, d: 1 }, { n: 2, d: 1 }]);
  });

  it('refuses every transfer to or from a blocked community until it is unblocked', async () => {
    await community('BKA1');
    const x = await member('BKA1');
    const y = await member('BKA1');
    const blocked = ok(await call('PUT', '/communities/BKA1/status', { body: { status: 'blocked' } }), 200, 'Community');
    assert.equal(blocked.status, 'blocked');
    const refused = ok(await pay(`BKA1/${x.code}`, `BKA1/${y.code}`, '1'), 201, 'Transfer');
    assert.deepEqual([refused.state, refused.errorCode], ['rejected', 'blocked']);
    assert.equal(ok(await call('GET', `/communities/BKA1/accounts/${y.code}`), 200).balance, '0.0000000');
    ok(await call('PUT', '/communities/BKA1/status', { body: { status: 'active' } }), 200);
    assert.equal(ok(await pay(`BKA1/${x.code}`, `BKA1/${y.code}`, '1'), 201).state, 'settled');
    const [unblock, block] = await audit('community:BKA1');
    assert.deepEqual([block.action, block.before, block.after], ['community.block', { status: 'active' }, { status: 'blocked' }]);
    assert.deepEqual([unblock.action, unblock.after], ['community.unblock', { status: 'active' }]);
  });

  it('reconciles the hub with the ledger on demand: in step after the payments above', async () => {
    const r = ok(await call('POST', '/reconcile', { body: { repair: false } }), 200, 'DriftReport');
    assert.deepEqual(r.drift, []);
    const bad = await call('POST', '/reconcile', { body: { repair: 'yes' } });
    assert.equal(bad.status, 400);
  });

  it('answers 401 with WWW-Authenticate without a token or with a wrong one, and changes nothing', async () => {
    const none = await call('GET', '/communities', { token: null });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'unauthorized');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="intertrade-governance"');
    const wrong = await call('POST', '/communities', { body: { code: 'NOPE', name: 'No', kind: 'hosted' }, token: token() });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'invalid_token');
    assert.match(wrong.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    const basic = await call('GET', '/communities', { token: null, headers: { authorization: `Basic ${Buffer.from(`alice:${ALICE}`).toString('base64')}` } });
    assert.equal(basic.status, 401);
    const prefix = await call('GET', '/communities', { token: ALICE.slice(0, 20) });
    assert.equal(prefix.status, 401);
    assert.equal((await call('GET', '/communities/NOPE')).status, 404);
    assert.equal((await audit('community:NOPE')).length, 0);
  });

  describe('bad input: the right status, code and field, and no change at all', () => {
    const cases: Array<{
      what: string; method: string; path: string; body?: unknown; raw?: string; headers?: Record<string, string>;
      status: number; code: string; field?: string; message?: RegExp;
    }> = [
      { what: 'malformed JSON', method: 'POST', path: '/communities', raw: '{"code": "BAD2",', status: 400, code: 'malformed_body' },
      { what: 'a JSON array as body', method: 'POST', path: '/communities', body: [], status: 400, code: 'invalid_request', field: '', message: /request body must be a JSON object/ },
      { what: 'a body that is not JSON', method: 'POST', path: '/communities', raw: 'code=BAD2', headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' },
      { what: 'a missing field', method: 'POST', path: '/communities', body: { code: 'BAD2', kind: 'hosted' }, status: 400, code: 'invalid_request', field: 'name', message: /name is required/ },
      { what: 'an extra field', method: 'POST', path: '/communities', body: { code: 'BAD2', name: 'B', kind: 'hosted', colour: 'red' }, status: 400, code: 'invalid_request', field: 'colour' },
      { what: 'an unknown kind', method: 'POST', path: '/communities', body: { code: 'BAD2', name: 'B', kind: 'peer' }, status: 400, code: 'invalid_request', field: 'kind', message: /one of hosted, cxp, ces/ },
      { what: 'a malformed community code', method: 'POST', path: '/communities', body: { code: 'bad2', name: 'B', kind: 'hosted' }, status: 400, code: 'invalid_request', field: 'code' },
      { what: 'a blank name', method: 'POST', path: '/communities', body: { code: 'BAD2', name: '   ', kind: 'hosted' }, status: 400, code: 'invalid_request', field: 'name' },
      { what: 'a rate of zero at creation', method: 'POST', path: '/communities', body: { code: 'BAD2', name: 'B', kind: 'hosted', rate: { n: 0, d: 1 } }, status: 400, code: 'invalid_request', field: 'rate.n' },
      { what: 'a settings amount with 8 decimals', method: 'POST', path: '/communities', body: { code: 'BAD2', name: 'B', kind: 'hosted', settings: { traderCredit: '1.00000001' } }, status: 400, code: 'invalid_request', field: 'settings.traderCredit', message: /more than 7 decimals/ },
      { what: 'importExport on a hosted community', method: 'POST', path: '/communities', body: { code: 'BAD2', name: 'B', kind: 'hosted', importExport: { creditLimit: '1', maxBalance: '1' } }, status: 400, code: 'invalid_request', field: 'importExport' },
      { what: 'a duplicate community', method: 'POST', path: '/communities', body: { code: 'BAD1', name: 'B', kind: 'hosted' }, status: 409, code: 'duplicate_code', field: 'code' },
      { what: 'a rate of zero', method: 'PUT', path: '/communities/BAD1/rate', body: { n: 1, d: 0 }, status: 400, code: 'invalid_request', field: 'd' },
      { what: 'a rate beyond int32', method: 'PUT', path: '/communities/BAD1/rate', body: { n: 2147483648, d: 1 }, status: 400, code: 'invalid_request', field: 'n' },
      { what: 'a fractional rate', method: 'PUT', path: '/communities/BAD1/rate', body: { n: 1.5, d: 1 }, status: 400, code: 'invalid_request', field: 'n' },
      { what: 'a rate as text', method: 'PUT', path: '/communities/BAD1/rate', body: { n: '1', d: 1 }, status: 400, code: 'invalid_request', field: 'n' },
      { what: 'the rate of an unknown community', method: 'PUT', path: '/communities/ZZZ9/rate', body: { n: 1, d: 1 }, status: 404, code: 'unknown_community', field: 'code' },
      { what: 'an unknown status', method: 'PUT', path: '/communities/BAD1/status', body: { status: 'closed' }, status: 400, code: 'invalid_request', field: 'status' },
      { what: 'an unknown community', method: 'GET', path: '/communities/ZZZ9', status: 404, code: 'unknown_community', field: 'code' },
      { what: 'a credit limit with 8 decimals', method: 'POST', path: '/communities/BAD1/accounts', body: { creditLimit: '1.00000001' }, status: 400, code: 'invalid_request', field: 'creditLimit', message: /creditLimit has more than 7 decimals/ },
      { what: 'a negative credit limit', method: 'POST', path: '/communities/BAD1/accounts', body: { creditLimit: '-1' }, status: 400, code: 'invalid_request', field: 'creditLimit', message: /must not be negative/ },
      { what: 'a maximum balance beyond int64', method: 'POST', path: '/communities/BAD1/accounts', body: { maxBalance: '922337203685.4775808' }, status: 400, code: 'invalid_request', field: 'maxBalance', message: /larger than the ledger can hold/ },
      { what: 'an amount as a JSON number', method: 'POST', path: '/communities/BAD1/accounts', body: { creditLimit: 100 }, status: 400, code: 'invalid_request', field: 'creditLimit', message: /creditLimit must be a decimal string such as "12.5", not a JSON number/ },
      { what: 'a malformed account code', method: 'POST', path: '/communities/BAD1/accounts', body: { code: 'a b' }, status: 400, code: 'invalid_request', field: 'code' },
      { what: 'a duplicate account', method: 'POST', path: '/communities/BAD1/accounts', body: { code: 'BAD10001' }, status: 409, code: 'duplicate_code', field: 'code' },
      { what: 'a member of an unknown community', method: 'POST', path: '/communities/ZZZ9/accounts', body: {}, status: 404, code: 'unknown_community', field: 'code' },
      { what: 'an unknown account', method: 'GET', path: '/communities/BAD1/accounts/NOBODY', status: 404, code: 'unknown_account', field: 'account' },
      { what: 'limits of an unknown account', method: 'PUT', path: '/communities/BAD1/accounts/NOBODY/limits', body: { creditLimit: '1' }, status: 404, code: 'unknown_account', field: 'account' },
      { what: 'no limits at all', method: 'PUT', path: '/communities/BAD1/accounts/BAD10001/limits', body: {}, status: 400, code: 'invalid_request', field: '' },
      { what: 'a negative credit line', method: 'PUT', path: '/communities/BAD1/credit-lines/PEE1', body: { limit: '-5' }, status: 400, code: 'invalid_request', field: 'limit', message: /must not be negative/ },
      { what: 'a credit line beyond int64', method: 'PUT', path: '/communities/BAD1/credit-lines/PEE1', body: { limit: '99999999999999999999' }, status: 400, code: 'invalid_request', field: 'limit', message: /larger than the ledger/ },
      { what: 'a credit line with 8 decimals', method: 'PUT', path: '/communities/BAD1/credit-lines/PEE1', body: { limit: '0.00000001' }, status: 400, code: 'invalid_request', field: 'limit' },
      { what: 'a credit line on oneself', method: 'PUT', path: '/communities/BAD1/credit-lines/BAD1', body: { limit: '5' }, status: 422, code: 'credit_line_on_self', field: 'peer' },
      { what: 'a credit line to an unknown peer', method: 'PUT', path: '/communities/BAD1/credit-lines/ZZZ9', body: { limit: '5' }, status: 404, code: 'unknown_peer', field: 'peer' },
      { what: 'a credit line of an unknown community', method: 'PUT', path: '/communities/ZZZ9/credit-lines/BAD1', body: { limit: '5' }, status: 404, code: 'unknown_community', field: 'code' },
      { what: 'removing a line that does not exist', method: 'DELETE', path: '/communities/BAD1/credit-lines/PEE1', status: 404, code: 'unknown_credit_line', field: 'peer' },
      { what: 'a transfer without Idempotency-Key', method: 'POST', path: '/transfers', body: { payer: 'BAD1/BAD10001', payee: 'BAD1/BAD10002', amount: '1' }, status: 400, code: 'invalid_request', field: 'Idempotency-Key' },
      { what: 'a transfer amount with 8 decimals', method: 'POST', path: '/transfers', body: { payer: 'BAD1/BAD10001', payee: 'BAD1/BAD10002', amount: '1.12345678' }, headers: { 'idempotency-key': 'k1' }, status: 400, code: 'invalid_request', field: 'amount', message: /more than 7 decimals/ },
      { what: 'a negative transfer amount', method: 'POST', path: '/transfers', body: { payer: 'BAD1/BAD10001', payee: 'BAD1/BAD10002', amount: '-1' }, headers: { 'idempotency-key': 'k2' }, status: 400, code: 'invalid_request', field: 'amount', message: /must not be negative/ },
      { what: 'a zero transfer amount', method: 'POST', path: '/transfers', body: { payer: 'BAD1/BAD10001', payee: 'BAD1/BAD10002', amount: '0' }, headers: { 'idempotency-key': 'k3' }, status: 400, code: 'invalid_request', field: 'amount', message: /greater than zero/ },
      { what: 'a transfer amount beyond int64', method: 'POST', path: '/transfers', body: { payer: 'BAD1/BAD10001', payee: 'BAD1/BAD10002', amount: '922337203686' }, headers: { 'idempotency-key': 'k4' }, status: 400, code: 'invalid_request', field: 'amount', message: /larger than the ledger/ },
      { what: 'a transfer amount as a number', method: 'POST', path: '/transfers', body: { payer: 'BAD1/BAD10001', payee: 'BAD1/BAD10002', amount: 1 }, headers: { 'idempotency-key': 'k5' }, status: 400, code: 'invalid_request', field: 'amount' },
      { what: 'a malformed payer', method: 'POST', path: '/transfers', body: { payer: 'BAD1', payee: 'BAD1/BAD10002', amount: '1' }, headers: { 'idempotency-key': 'k6' }, status: 400, code: 'invalid_request', field: 'payer', message: /payer is malformed: expected COMMUNITY\/ACCOUNT/ },
      { what: 'an unknown payer account', method: 'POST', path: '/transfers', body: { payer: 'BAD1/NOBODY', payee: 'BAD1/BAD10002', amount: '1' }, headers: { 'idempotency-key': 'k7' }, status: 404, code: 'unknown_account', field: 'payer' },
      { what: 'an unknown payee community', method: 'POST', path: '/transfers', body: { payer: 'BAD1/BAD10001', payee: 'ZZZ9/X', amount: '1' }, headers: { 'idempotency-key': 'k8' }, status: 404, code: 'unknown_community', field: 'payee' },
      { what: 'a payment to oneself', method: 'POST', path: '/transfers', body: { payer: 'BAD1/BAD10001', payee: 'BAD1/BAD10001', amount: '1' }, headers: { 'idempotency-key': 'k9' }, status: 422, code: 'same_account', field: 'payee' },
      { what: 'an unknown transfer', method: 'GET', path: `/communities/BAD1/transfers/${crypto.randomUUID()}`, status: 404, code: 'unknown_transfer', field: 'id' },
      { what: 'a transfer id that is no UUID', method: 'GET', path: '/communities/BAD1/transfers/42', status: 400, code: 'invalid_request', field: 'id', message: /id must be a UUID/ },
      { what: 'an audit limit of zero', method: 'GET', path: '/audit?limit=0', status: 400, code: 'invalid_request', field: 'limit' },
      { what: 'an audit limit that is no number', method: 'GET', path: '/audit?limit=ten', status: 400, code: 'invalid_request', field: 'limit' },
      { what: 'an unknown audit parameter', method: 'GET', path: '/audit?actor=bob', status: 400, code: 'invalid_request', field: 'actor' },
    ];

    const snapshot = async () => ({
      communities: ok(await call('GET', '/communities'), 200),
      accounts: ok(await call('GET', '/communities/BAD1/accounts'), 200),
      lines: ok(await call('GET', '/communities/BAD1/credit-lines'), 200),
      peerLines: ok(await call('GET', '/communities/PEE1/credit-lines'), 200),
      audit: ok(await call('GET', '/audit?limit=1000'), 200),
      transfers: await h.hub.db.owner('transfers').count({ n: '*' }),
      auditRows: await h.hub.db.owner('audit_log').count({ n: '*' }),
    });
    let initial: Awaited<ReturnType<typeof snapshot>>;

    before(async () => {
      await community('BAD1');
      await community('PEE1');
      await member('BAD1');
      await member('BAD1');
      initial = await snapshot();
    });

    for (const c of cases) {
      it(`${c.what} → ${c.status} ${c.code}${c.field ? ` (${c.field})` : ''}`, async () => {
        const r = await call(c.method, c.path, { body: c.body, raw: c.raw, headers: c.headers });
        assert.equal(r.status, c.status, JSON.stringify(r.body));
        assertSchema('Error', r.body);
        assert.equal(r.body.error.code, c.code, r.body.error.message);
        assert.equal(r.body.error.field, c.field);
        if (c.message) assert.match(r.body.error.message, c.message);
        assert.ok(r.body.error.requestId);
      });
    }

    it('left communities, accounts, credit lines, transfers and the audit log as they were', async () => {
      assert.deepEqual(await snapshot(), initial);
    });
  });

  it('serves an OpenAPI 3.1 document without a token, listing every route with the schemas it validates with', async () => {
    const r = await call('GET', '/openapi.json', { token: null });
    assert.equal(r.status, 200);
    const doc = r.body;
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.servers, [{ url: '/governance/v1' }]);
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    assert.deepEqual(routes, [
      'DELETE /communities/{code}/credit-lines/{peer}',
      'DELETE /tokens/{actor}',
      'GET /audit',
      'GET /clearing-central/bills',
      'GET /clearing-central/bills/{txid}',
      'GET /clearing-central/connections',
      'GET /clearing-central/connections/{code}',
      'GET /clearing-central/exchanges',
      'GET /clearing-central/pending',
      'GET /clearing-central/server/exchanges',
      'GET /clearing-central/server/exchanges/{code}/totals',
      'GET /communities',
      'GET /communities/{code}',
      'GET /communities/{code}/accounts',
      'GET /communities/{code}/accounts/{account}',
      'GET /communities/{code}/credit-lines',
      'GET /communities/{code}/credit-lines/{peer}',
      'GET /communities/{code}/komunitin/requests',
      'GET /communities/{code}/netting',
      'GET /communities/{code}/trade-limits',
      'GET /communities/{code}/transfers',
      'GET /communities/{code}/transfers/{id}',
      'GET /exchanges',
      'GET /exchanges/{code}',
      'GET /exchanges/{code}/mismatches',
      'GET /me',
      'GET /netting/preview',
      'GET /netting/runs',
      'GET /openapi.json',
      'GET /tokens',
      'POST /clearing-central/bills',
      'POST /clearing-central/bills/{txid}/resolve',
      'POST /clearing-central/connections',
      'POST /clearing-central/exchanges',
      'POST /clearing-central/server/exchanges',
      'POST /clearing-central/server/exchanges/{code}/password',
      'POST /clearing-central/server/listings',
      'POST /communities',
      'POST /communities/{code}/accounts',
      'POST /communities/{code}/komunitin/payments',
      'POST /communities/{code}/komunitin/requests',
      'POST /communities/{code}/komunitin/requests/{id}/accept',
      'POST /communities/{code}/komunitin/requests/{id}/reject',
      'POST /exchanges',
      'POST /exchanges/{code}/key',
      'POST /komunitin/peers',
      'POST /netting/runs',
      'POST /reconcile',
      'POST /tokens',
      'POST /transfers',
      'PUT /clearing-central/connections/{code}/accept-bills',
      'PUT /clearing-central/server/exchanges/{code}',
      'PUT /communities/{code}/accounts/{account}/limits',
      'PUT /communities/{code}/credit-lines/{peer}',
      'PUT /communities/{code}/komunitin/policy',
      'PUT /communities/{code}/netting',
      'PUT /communities/{code}/rate',
      'PUT /communities/{code}/status',
      'PUT /exchanges/{code}/legacy',
      'PUT /exchanges/{code}/status',
      'PUT /exchanges/{code}/ticks',
    ]);
    assert.equal(routes.length, governanceOperations(h.hub, h.hub.governancePlugins).length, 'the document and the router come from one list');
    // The request schemas are the validator's own, nested schemas published once.
    assert.deepEqual(doc.paths['/communities'].post.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/CreateCommunity' });
    assert.deepEqual(doc.components.schemas.CreateCommunity.properties.rate, { $ref: '#/components/schemas/Rate' });
    assert.deepEqual(doc.paths['/openapi.json'].get.security, []);
    assert.deepEqual(doc.security, [{ bearerAuth: [] }]);
    assert.deepEqual(doc.paths['/transfers'].post.parameters, [
      { name: 'Idempotency-Key', in: 'header', required: true, description: doc.paths['/transfers'].post.parameters[0].description, schema: { type: 'string' } },
    ]);
    assert.equal(doc.paths['/audit'].get.parameters.find((p: { name: string }) => p.name === 'limit').in, 'query');
    // Every reference resolves, and every component is a schema a 2020-12 validator accepts.
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/\w+"/g) ?? [];
    for (const ref of refs) assert.ok(doc.components.schemas[ref.slice(22, -1)], `${ref} resolves`);
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addFormat('amount', true).addFormat('positive-amount', true);
    ajv.addSchema({ $id: 'doc', components: doc.components });
    for (const name of Object.keys(doc.components.schemas)) assert.ok(ajv.getSchema(`doc#/components/schemas/${name}`), name);
  });
});
