import assert from 'node:assert/strict';
import { cliCommands } from '../../../src/plugins';
import { loadClientConfig } from '../../../src/config';
import { runGovernanceCli } from '../../../src/governance/cli';
import { TestHub, startGovernanceHub, token } from '../../governance/api';
import { hosted } from './helpers';

describe('intertrade cc … (the Clearing Central protocol\'s own CLI commands)', function () {
  this.timeout(120000);
  const OPS = token();
  let h: TestHub;
  before(async () => {
    h = await startGovernanceHub({ GOVERNANCE_TOKENS: `ops:${OPS}`, CLEARING_CENTRAL_TIMEOUT_MS: '500' }, OPS);
    await hosted(h, 'GRN1', [{ code: 'GRN10001', creditLimit: '10', maxBalance: '100' }]);
  });
  after(async () => { await h?.close(); });

  const cli = async (...line: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runGovernanceCli(line, loadClientConfig({ HUB_URL: h.hub.url, GOVERNANCE_TOKEN: OPS }),
      { out: (l) => out.push(l), err: (l) => err.push(l) }, cliCommands());
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('connects a community, admits a CES exchange, lists both, switches bills off and on', async () => {
    const c = await cli('cc', 'connect', '--community', 'GRN1', '--url', 'http://127.0.0.1:9', '--nid', 'cen0001', '--password', 'pw', '--ip', '127.0.0.1,10.0.0.0/8');
    assert.equal(c.code, 0, c.err);
    assert.match(c.out, /data_url http:\/\/127\.0\.0\.1:\d+\/clearing-central\/GRN1\/[\w-]{43}/);
    assert.doesNotMatch(c.out, /pw/);
    const a = await cli('cc', 'admit', '--code', 'CES1', '--nid', 'cen0042', '--name', 'Talent Exchange', '--country', 'ZA', '--conv-rate', '10', '--credit-limit', '100', '--max-balance', '100');
    assert.equal(a.code, 0, a.err);
    assert.match(a.out, /^CES exchange cen0042 admitted as CES1 \(10 units per hour/);
    assert.match((await cli('cc', 'connections')).out.split('\n')[1], /^GRN1 +cen0001 +accepted +http:\/\/127\.0\.0\.1:9 +127\.0\.0\.1,10\.0\.0\.0\/8$/);
    assert.match((await cli('cc', 'exchanges')).out.split('\n')[1], /^CES1 +cen0042 +active +10 +ZA +Talent Exchange$/);
    assert.match((await cli('cc', 'accept-bills', 'GRN1', 'off')).out, /are refused/);
    assert.match((await cli('cc', 'accept-bills', 'GRN1', 'on')).out, /paid automatically/);
    assert.equal((await cli('cc', 'pending')).out, 'no pending admissions');
  });

  it('a bill Clearing Central does not answer is shown as unknown, and resolved by hand', async () => {
    assert.equal((await h.call('PUT', '/communities/GRN1/credit-lines/CES1', { body: { limit: '10' } })).status, 200);
    const b = await cli('cc', 'bill', '--seller', 'GRN1/GRN10001', '--buyer-nid', 'cen0042', '--buyer-id', 'ZA1', '--amount', '1', '--description', 'help');
    assert.equal(b.code, 3, b.err);
    assert.match(b.out, /UNKNOWN at Clearing Central \(neither paid nor failed\)/);
    const txid = /^bill (\S+):/.exec(b.out)![1];
    assert.match((await cli('cc', 'bills', '--state', 'unknown')).out, new RegExp(txid));
    assert.match((await cli('cc', 'resolve', txid, 'failed')).out, /: refused/);
    assert.equal((await cli('cc', 'bills', '--state', 'unknown')).out, 'no bills');
  });

  it('paying a CES member says why it cannot be done and what to do instead', async () => {
    const r = await cli('cc', 'pay');
    assert.notEqual(r.code, 0);
    assert.match(r.err, /cannot be paid through Clearing Central: only the seller starts a transaction/);
  });
});
