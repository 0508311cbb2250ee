import assert from 'node:assert/strict';
import { currencyOf } from '../../src/core/communities/currency';
import { LedgerCurrency } from '../../src/core/ledger';
import { isTransferError } from '../../src/core/transfers/errors';
import { Transfer } from '../../src/core/transfers/model';
import { Party } from '../../src/core/transfers/service';
import { TestCore, startTestCore, units } from '../helpers/core';

let seq = 0;
const key = () => `test|rebalance|${Date.now()}-${++seq}`;

async function settle(core: TestCore, payer: Party, payee: Party, amount: string): Promise<Transfer> {
  const t = await core.transfers.settle({ idempotencyKey: key(), payer, payee, amount: units(amount) });
  assert.ok(!isTransferError(t), t as string);
  return t as Transfer;
}

describe('lazy rebalancing of the traders\' offers', function () {
  this.timeout(120000);
  let core: TestCore;
  /** Rebalances that reached the ledger, by community code. */
  const runs = new Map<string, number>();

  before(async () => {
    // A delay far longer than the test: only `ready`, `flush` and `idle` rebalance.
    core = await startTestCore({ rebalanceDelayMs: 600000 });
    const rebalance = core.ledger.rebalance.bind(core.ledger);
    core.ledger.rebalance = async (c: LedgerCurrency, keys) => {
      runs.set(c.code, (runs.get(c.code) ?? 0) + 1);
      return rebalance(c, keys);
    };
  });
  after(async () => {
    await core?.close();
  });

  /** Two communities, a member each, B accepting up to 50 of A's HOUR, offers in line. */
  const linked = async (codeA: string, codeB: string) => {
    const A = await core.community(codeA);
    const B = await core.community(codeB);
    const a = await core.member(A, '100');
    const b = await core.member(B, '100');
    await core.creditLines.set(B, A, '50', 'test');
    await core.rebalancer.idle();
    return { A, B, a, b };
  };

  it('a one-way stream of payments needs no rebalance until the way back is used', async () => {
    const { A, B, a, b } = await linked('LZA1', 'LZB1');
    runs.clear();
    for (let i = 0; i < 5; i++) assert.equal((await settle(core, a, b, '2')).state, 'settled');
    assert.equal(await core.creditLines.usage(B, A), units('10'));
    assert.deepEqual([...runs], [], 'each payment consumed exactly what its offers should lose');

    // B pays back at once: B's side went stale (it received), so it is rebalanced first,
    // and the payment clears through the HOUR(A) that B's trader holds.
    const back = await settle(core, b, a, '4');
    assert.equal(back.state, 'settled', `${back.errorCode}`);
    assert.equal(await core.creditLines.usage(B, A), units('6'));
    assert.equal(runs.get('LZB1'), 1);
    assert.equal(await core.balance(a), -units('6'));
    assert.equal(await core.balance(b), units('6'));
  });

  it('reconciliation runs the rebalances still due before it compares offers', async () => {
    const { B, a, b } = await linked('LZE1', 'LZF1');
    await settle(core, a, b, '3');
    assert.ok(await core.ledger.offerDrift(currencyOf(B)) > 0, 'B holds HOUR(A) it does not offer back yet');
    const drift = await core.reconciler.run();
    assert.deepEqual(drift.filter((d) => d.kind === 'trader_offers'), []);
    assert.equal(await core.ledger.offerDrift(currencyOf(B)), 0);
  });
});
