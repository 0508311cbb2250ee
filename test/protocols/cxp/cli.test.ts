import assert from 'node:assert/strict';
import { cliCommands } from '../../../src/plugins';
import { loadClientConfig } from '../../../src/config';
import { runGovernanceCli } from '../../../src/governance/cli';
import { TestHub, startGovernanceHub, token } from '../../governance/api';

describe('intertrade exchange … (the CXP protocol\'s own CLI commands)', function () {
  this.timeout(120000);
  const OPS = token();
  let h: TestHub;
  before(async () => { h = await startGovernanceHub({ GOVERNANCE_TOKENS: `ops:${OPS}` }, OPS); });
  after(async () => { await h?.close(); });

  const cli = async (...line: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runGovernanceCli(line, loadClientConfig({ HUB_URL: h.hub.url, GOVERNANCE_TOKEN: OPS }),
      { out: (l) => out.push(l), err: (l) => err.push(l) }, cliCommands());
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('approves, lists, shows, blocks, re-keys and re-ticks an exchange through the hub\'s API', async function () {
    const approved = await cli('exchange', 'approve', '--code', 'LETS', '--name', 'Town LETS', '--uri', 'https://lets.example/town',
      '--credit-limit', '50', '--max-balance', '200', '--ticks', '60');
    assert.equal(approved.code, 0, approved.err);
    assert.match(approved.out, /^exchange LETS approved at lets\.example\/town \(ticks 60, min -50\.0000000, max 200\.0000000 HOUR\)$/m);
    const key = /Hawk key: (\S+)/.exec(approved.out)?.[1];
    assert.ok(key && key.length >= 40, 'the key is shown once');

    const list = await cli('exchange', 'list');
    assert.match(list.out.split('\n')[1], /^LETS +active +hawk +60 +lets\.example\/town +Town LETS$/);
    const show = await cli('exchange', 'show', 'LETS');
    assert.match(show.out, /^creditLimit: 50\.0000000$/m);
    assert.match(show.out, /^ticksLocked: false$/m);

    assert.equal((await cli('exchange', 'block', 'LETS')).out, 'exchange LETS is blocked');
    assert.equal((await cli('exchange', 'unblock', 'LETS')).out, 'exchange LETS is active');
    const rotated = await cli('exchange', 'rotate-key', 'LETS');
    assert.match(rotated.out, /^new Hawk key for LETS \(id cxp-[\w-]+\): (\S+) /);
    assert.notEqual(/: (\S+) {3}\(shown once/.exec(rotated.out)?.[1], key);

    // A new rate keeps the exchange's limits in HOUR: 50 HOUR at 30 ticks is 1500 units.
    assert.equal((await cli('exchange', 'set-ticks', 'LETS', '30')).out, 'exchange LETS: ticks 30');
    const account = await h.call('GET', '/communities/LETS/accounts/IMPORT-EXPORT');
    assert.equal(account.body.creditLimit, '1500.0000000');
    assert.equal((await cli('exchange', 'show', 'LETS')).out.match(/^creditLimit: (.*)$/m)?.[1], '50.0000000');
  });

  it('answers usage errors and the hub\'s refusals like the hub\'s own commands', async function () {
    const usage = await cli('exchange', 'approve', '--code', 'X');
    assert.equal(usage.code, 2);
    assert.match(usage.err, /exchange approve needs --code, --name, --uri/);
    assert.match(usage.err, /exchange set-ticks CODE TICKS/, 'the protocol\'s usage follows the hub\'s');
    const unknown = await cli('exchange', 'show', 'NONE');
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /\[404 /);
  });
});
