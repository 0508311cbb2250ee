import assert from 'node:assert/strict';
import { TestHub, startGovernanceHub, token } from '../governance/api';

/**
 * Errors the shared middleware catches before a protocol's routes run (a body that is
 * not JSON, one too large) are answered in that protocol's own format: its clients
 * cannot read the hub's. Everything else keeps the hub's format.
 */
describe('errors in each protocol\'s own format', function () {
  this.timeout(60000);
  const admin = token();
  let h: TestHub;

  before(async () => {
    h = await startGovernanceHub({ GOVERNANCE_TOKENS: `admin:${admin}`, BODY_LIMIT: '4096' }, admin);
  });
  after(async () => {
    await h?.close();
  });

  const send = async (method: string, path: string, body: string, type: string) => {
    const res = await fetch(`${h.hub.url}${path}`, { method, headers: { 'content-type': type }, body });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: JSON.parse(await res.text()) };
  };

  it('Komunitin: malformed and oversized JSON:API bodies get JSON:API errors', async () => {
    const bad = await send('POST', '/ABCD/transfers', '{"data": ', 'application/vnd.api+json');
    assert.equal(bad.status, 400);
    assert.match(bad.type, /application\/vnd\.api\+json/);
    assert.equal(bad.body.errors[0].code, 'BadRequest');
    assert.match(bad.body.errors[0].detail, /not valid JSON/);
    const big = await send('POST', '/ABCD/transfers', JSON.stringify({ data: 'x'.repeat(10000) }), 'application/vnd.api+json');
    assert.equal(big.status, 413);
    assert.equal(big.body.errors[0].status, '413');
  });

  it('CXP: a body that is not JSON is read by CXP itself and answered with a CXP code', async () => {
    const r = await send('PUT', '/cxp/transactions', '{"payer": ', 'application/json');
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 18, 'unauthenticated requests are refused before their body is looked at');
    const legacy = await send('POST', '/cxp/legacy/transaction/try', '{"payer": ', 'application/json');
    assert.equal(legacy.status, 200);
    assert.equal(legacy.body[0], 15);
  });

  it('governance keeps the hub\'s own format', async () => {
    const r = await send('POST', '/governance/v1/communities', '{"code": ', 'application/json');
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'malformed_body');
  });
});
