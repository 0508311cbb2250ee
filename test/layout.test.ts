import assert from 'node:assert/strict';
import { check } from '../scripts/lint-imports';

describe('the layout\'s import rules (npm run lint:imports)', function () {
  const entries = new Set(['packages/devnet/src/index.ts', 'packages/devnet/src/testing.ts']);

  it('passes the imports the house allows', function () {
    assert.deepEqual(check({
      'src/plugins.ts': ['protocols/index.ts', 'src/governance/cli.ts'],
      'src/app.ts': ['src/plugins.ts', 'src/core/index.ts'],
      'src/cli.ts': ['src/app.ts', 'src/plugins.ts', 'packages/devnet/src/index.ts'],
      'protocols/index.ts': ['protocols/cxp/plugin.ts', 'protocols/clearing-central/index.ts'],
      'protocols/cxp/plugin.ts': ['protocols/cxp/index.ts', 'protocols/cxp/cli.ts', 'src/protocol.ts'],
      'protocols/cxp/service.ts': ['src/core/index.ts', 'src/protocol.ts', 'src/db/database.ts', 'protocols/cxp/store.ts'],
      'protocols/cxp/governance.ts': ['src/governance/index.ts', 'src/http/errors.ts'],
      'test/helpers/core.ts': ['src/app.ts', 'src/core/amounts.ts', 'packages/devnet/src/testing.ts'],
    }, entries), []);
  });

  it('names every import that breaks a rule', function () {
    const broken = check({
      'src/governance/routes.ts': ['protocols/cxp/governance.ts'],
      'src/app.ts': ['protocols/cxp/index.ts', 'protocols/index.ts'],
      'protocols/cxp/service.ts': ['src/core/transfers/service.ts', 'protocols/komunitin/peers.ts'],
      'src/ledger/network.ts': ['packages/devnet/src/network.ts'],
      'src/demo.ts': ['src/app.ts'],
    }, entries);
    assert.deepEqual(broken.map((b) => `${b.from} → ${b.to}`), [
      'src/governance/routes.ts → protocols/cxp/governance.ts',
      'src/app.ts → protocols/cxp/index.ts',
      'src/app.ts → protocols/index.ts',
      'protocols/cxp/service.ts → src/core/transfers/service.ts',
      'protocols/cxp/service.ts → protocols/komunitin/peers.ts',
      'src/ledger/network.ts → packages/devnet/src/network.ts',
      'src/demo.ts → src/app.ts',
    ]);
  });
});
