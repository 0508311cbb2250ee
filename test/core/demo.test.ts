import assert from 'node:assert/strict';
import { seedDemo } from '../../src/demo';
import { createReconciler } from '../../src/core/reconcile';
import { createLogger } from '../../src/logger';
import { TestCore, startTestCore, units } from '../helpers/core';

describe('demo network', function () {
  this.timeout(120000);
  let core: TestCore;
  before(async () => {
    core = await startTestCore();
  });
  after(async () => {
    await core?.close();
  });

  it('seeds three communities whose payments cross, one rippling, and only into an empty hub', async () => {
    const lines: string[] = [];
    assert.equal(await seedDemo(core, (l) => lines.push(l)), true);
    const paid = lines.filter((l) => l.includes(' paid '));
    assert.equal(paid.length, 3);
    assert.ok(paid.every((l) => l.includes(': settled')), paid.join('\n'));
    const [grn, blu, red] = await Promise.all(['GRN1', 'BLU1', 'RED1'].map((c) => core.communities.getByCode(c)));
    assert.ok(typeof grn !== 'string' && typeof blu !== 'string' && typeof red !== 'string');
    const g1 = await core.accounts.get(grn, 'GRN10001');
    const r1 = await core.accounts.get(red, 'RED10001');
    assert.ok(typeof g1 !== 'string' && typeof r1 !== 'string');
    // GRN10001 paid 20 BLU (2 GRN) and 5 RED (1 GRN), and received 1 GRN.
    assert.equal(await core.accounts.balance(grn, g1), -units('2'));
    assert.equal(await core.accounts.balance(red, r1), units('5'));
    assert.equal(await seedDemo(core, () => {}), false);
    // Every trader on the way, the one rippled through included, was left in line.
    const reconciler = createReconciler({ ...core, db: core.storage.db, ledger: core.ledger, logger: createLogger('silent') });
    assert.deepEqual(await reconciler.run(), []);
  });
});
