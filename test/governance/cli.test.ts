import assert from 'node:assert/strict';
import fs from 'node:fs';
import { loadClientConfig } from '../../src/config';
import { tokenFile } from '../../src/governance/auth';
import { runGovernanceCli } from '../../src/governance/cli';
import { SERVER_URL } from '../helpers/db';
import { runIntertrade } from '../helpers/process';
import { TestHub, startGovernanceHub, token } from './api';

describe('intertrade community|member|credit-line|rate|transfer|audit (the governance CLI)', function () {
  this.timeout(120000);
  let h: TestHub;
  let env: Record<string, string>;
  const OPS = token();

  before(async () => {
    // Embedded: the hub generates DATA_DIR/governance.token and the CLI finds it there.
    // A server hub has no such default, so it is given a token and the CLI GOVERNANCE_TOKEN.
    h = await startGovernanceHub(SERVER_URL ? { GOVERNANCE_TOKENS: `ops:${OPS}` } : {}, null);
    env = { HUB_URL: h.hub.url, DATA_DIR: h.tdb.dataDir, ...(SERVER_URL ? { GOVERNANCE_TOKEN: OPS } : {}) };
  });
  after(async () => {
    await h?.close();
  });

  const cli = async (line: string[], extra: Record<string, string> = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runGovernanceCli(line, loadClientConfig({ ...env, ...extra }), { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const succeeds = async (line: string[]) => {
    const r = await cli(line);
    assert.equal(r.code, 0, r.err);
    return r.out;
  };

  it('creates communities and members, opens a credit line, pays across it and changes a rate', async () => {
    if (!SERVER_URL) assert.ok(fs.existsSync(tokenFile(h.tdb.dataDir)), 'the embedded hub wrote its token');
    assert.match(await succeeds(['community', 'create', '--code', 'GRN1', '--name', 'Green Valley']), /^community GRN1 "Green Valley" created \(hosted, rate 1\/1 HOUR, active\)$/);
    assert.match(await succeeds(['community', 'create', '--code', 'BLU1', '--name', 'Blue', '--rate', '1/2']), /rate 1\/2 HOUR/);
    assert.match(await succeeds(['member', 'create', 'GRN1', '--credit-limit', '100', '--max-balance', '1000']),
      /^member GRN1\/GRN10001 created \(credit limit 100\.0000000, max balance 1000\.0000000, key G[A-Z2-7]{55}\)$/);
    assert.match(await succeeds(['member', 'create', 'BLU1', '--code', 'BOB']), /^member BLU1\/BOB created/);
    assert.equal(await succeeds(['credit-line', 'set', 'BLU1', 'GRN1', '500']), 'BLU1 accepts up to 500.0000000 BLU1 of GRN1\'s HOUR (used 0.0000000)');
    assert.match(await succeeds(['transfer', 'GRN1/GRN10001', 'BLU1/BOB', '10']),
      /^transfer [0-9a-f-]{36} settled: GRN1\/GRN10001 paid 5\.0000000 GRN1, BLU1\/BOB received 10\.0000000 BLU1$/);
    const refused = await cli(['transfer', 'GRN1/GRN10001', 'BLU1/BOB', '600']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /^transfer [0-9a-f-]{36} rejected: .+ \((credit_line_full|insufficient_balance)\)$/);
    assert.equal(await succeeds(['rate', 'set', 'GRN1', '1/10']), 'rate of GRN1 set: 1 GRN1 = 1/10 HOUR');
    assert.equal(await succeeds(['member', 'show', 'BLU1', 'BOB']), 'BLU1/BOB (member, active): balance 10.0000000, credit limit 0.0000000, max balance 2000.0000000', 'defaults: 1000 HOUR in BLU1');

    const list = (await succeeds(['community', 'list'])).split('\n');
    assert.match(list[0], /^CODE +KIND +STATUS +RATE +NAME$/);
    assert.match(list[1], /^BLU1 +hosted +active +1\/2 +Blue$/);
    assert.match(list[2], /^GRN1 +hosted +active +1\/10 +Green Valley$/);
    const show = await succeeds(['community', 'show', 'BLU1']);
    assert.match(show, /credit line to GRN1: limit 500\.0000000, used 10\.0000000/);
    assert.match(show, /externalTrader account: G[A-Z2-7]{55}/);
    assert.match(await succeeds(['credit-line', 'list', 'BLU1']), /GRN1 +500\.0000000 +10\.0000000/);
    assert.match(await succeeds(['community', 'block', 'GRN1']), /GRN1 is blocked/);
    assert.match(await succeeds(['community', 'unblock', 'GRN1']), /GRN1 is active/);

    const audit = (await succeeds(['audit', '--limit', '3'])).split('\n');
    const actor = SERVER_URL ? 'ops' : 'admin';
    assert.equal(audit.length, 3);
    assert.match(audit[0], new RegExp(`^\\S+Z  ${actor} \\(operator\\)  community\\.unblock  community:GRN1  \\{"status":"blocked"\\} → \\{"status":"active"\\}$`));
    assert.match(audit[2], new RegExp(`  ${actor} \\(operator\\)  community\\.rate  community:GRN1  \\{"d":1,"n":1\\} → \\{"d":10,"n":1\\}$`));
    assert.match(await succeeds(['audit', '--subject', 'credit-line:BLU1→GRN1']), /credit-line\.set .* null → \{"limit":"500\.0000000"\}/);
  });

  it('prints the API\'s message and field and exits 1 when the hub refuses', async () => {
    const rate = await cli(['rate', 'set', 'GRN1', '0/1']);
    assert.deepEqual([rate.code, rate.err], [1, 'error: n must be >= 1 (field: n) [400 invalid_request]']);
    const self = await cli(['credit-line', 'set', 'GRN1', 'GRN1', '5']);
    assert.deepEqual([self.code, self.err], [1, 'error: a community cannot hold a credit line on itself (field: peer) [422 credit_line_on_self]']);
    const amount = await cli(['member', 'create', 'GRN1', '--credit-limit', '1.00000001']);
    assert.deepEqual([amount.code, amount.err], [1, 'error: creditLimit has more than 7 decimals (field: creditLimit) [400 invalid_request]']);
    const unknown = await cli(['member', 'create', 'ZZZ9']);
    assert.deepEqual([unknown.code, unknown.err], [1, 'error: no community with this code (field: code) [404 unknown_community]']);
    const wrong = await cli(['community', 'list'], { GOVERNANCE_TOKEN: token() });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /not one of this hub's governance tokens \[401 invalid_token\]/);
    const down = await cli(['community', 'list'], { HUB_URL: 'http://127.0.0.1:9' });
    assert.equal(down.code, 1);
    assert.match(down.err, /cannot reach the hub at http:\/\/127\.0\.0\.1:9 .*Set HUB_URL/);
  });

  it('gives usage for unknown flags, missing arguments and unknown commands, and exits 2', async () => {
    for (const [line, why] of [
      [['community', 'create', '--code', 'X', '--name', 'Y', '--colour', 'red'], /Unknown option '--colour'/],
      [['community', 'create', '--code', 'X'], /needs --code and --name/],
      [['credit-line', 'set', 'GRN1'], /expected CODE PEER LIMIT, got GRN1/],
      [['rate', 'set', 'GRN1', 'ten'], /rate must be N\/D with positive integers/],
      [['community', 'list', 'extra'], /expected no arguments, got extra/],
      [['community', 'frobnicate'], /unknown command "community frobnicate"/],
    ] as Array<[string[], RegExp]>) {
      const r = await cli(line);
      assert.equal(r.code, 2, line.join(' '));
      assert.match(r.err, why);
      assert.match(r.err, /credit-line set CODE PEER LIMIT/, 'usage follows');
    }
  });

  it('runs as bin/intertrade.js against the running hub, with exit codes an operator\'s script can test', async () => {
    const childEnv = { ...env, GOVERNANCE_TOKEN: env.GOVERNANCE_TOKEN ?? fs.readFileSync(tokenFile(h.tdb.dataDir), 'utf8').trim() };
    const list = runIntertrade(['community', 'list'], childEnv);
    assert.equal(await list.exited, 0, list.output());
    assert.match(list.output(), /GRN1 +hosted/);
    const refused = runIntertrade(['rate', 'set', 'GRN1', '0/1'], childEnv);
    assert.equal(await refused.exited, 1);
    assert.match(refused.output(), /error: n must be >= 1 \(field: n\)/);
    const usage = runIntertrade(['member', 'create'], childEnv);
    assert.equal(await usage.exited, 2);
    assert.match(usage.output(), /expected CODE, got none/);
  });
});
