import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toHour } from '../../src/core/amounts';
import { CommunityError } from '../../src/core/communities/errors';
import { currencyOf } from '../../src/core/communities/currency';
import { Community } from '../../src/core/communities/model';
import { CreditLineError } from '../../src/core/credit-lines/errors';
import { Ledger } from '../../src/core/ledger';
import { createRateService } from '../../src/core/rates/service';
import { createReconciler, Reconciler } from '../../src/core/reconcile';
import { createLogger } from '../../src/logger';
import { TestCore, startTestCore, units } from '../helpers/core';

/**
 * A rate change moves every credit line the community grants (its lines are in its own
 * units, its trader's trustlines in HOUR) and the trader's offers: the ledger must follow
 * the records at once, and a crash in between must not leave it behind.
 */
describe('rate changes carry the credit lines and offers to the ledger', function () {
  this.timeout(300000);
  let core: TestCore;
  let reconciler: Reconciler;
  let seq = 0;
  const code = (p: string) => `${p}${(seq++).toString(36).toUpperCase().padStart(2, '0')}`.slice(0, 4);

  before(async () => {
    core = await startTestCore();
    reconciler = createReconciler({ ...core, db: core.storage.db, ledger: core.ledger, logger: createLogger('silent') });
  });
  after(async () => {
    await core?.close();
  });

  /** Drift the ledger shows against the records (nothing repaired). */
  const ledgerDrift = async () => (await reconciler.run({ repair: false }))
    .filter((d) => d.kind === 'credit_line_limit' || d.kind === 'trader_offers' || d.kind === 'account_limit');

  const trustlineHour = async (truster: Community, peer: Community) => {
    const fresh = (await core.communities.getByCode(truster.code)) as Community;
    const lines = await core.ledger.traderLines(currencyOf(fresh));
    return lines.find((l) => l.externalIssuer === currencyOf(peer).accounts.externalIssuer)?.limit;
  };

  it('re-derives the trustline limits and offers in the same call as the change', async () => {
    const A = await core.community(code('RA'), { rate: { n: 6, d: 1 } });
    const B = await core.community(code('RB'));
    await core.creditLines.set(A, B, '7', 'test');
    await core.creditLines.set(B, A, '7', 'test');
    assert.equal(await trustlineHour(A, B), units('42'));

    const after = await core.rates.change(A.code, { n: 38, d: 35 }, 'test');
    assert.ok(typeof after !== 'string', after as string);
    // 7 units at 38/35 HOUR each, rounded down to the stroop.
    assert.equal(await trustlineHour(A, B), toHour(units('7'), { n: 38, d: 35 }, 'down'));
    assert.deepEqual(await ledgerDrift(), []);
  });

  it('keeps an exchange\'s import-export limits the same in HOUR when the rate changes through governance', async () => {
    const c = await core.exchanges.create({
      code: code('RX'), name: 'Mirror', kind: 'cxp', rate: { n: 1, d: 1 }, creditLimitHour: units('50'), maxBalanceHour: units('80'),
    }, 'test');
    assert.ok(typeof c !== 'string', c as string);
    const B = await core.community(code('RY'));
    await core.creditLines.set(c, B, '20', 'test');
    assert.ok(typeof await core.rates.change(c.code, { n: 2, d: 1 }, 'test') !== 'string');
    const p = await core.exchanges.importExport(c.id);
    assert.deepEqual(core.exchanges.limitsHour(p), { min: -units('50'), max: units('80') });
    assert.deepEqual(await ledgerDrift(), []);
  });

  it('finishes a change a crash interrupted between the database and the ledger', async () => {
    const A = await core.community(code('RC'), { rate: { n: 3, d: 1 } });
    const B = await core.community(code('RD'));
    await core.creditLines.set(A, B, '10', 'test');
    // The ledger goes away after the rate is committed: the change is recorded as due.
    const down = new Proxy(core.ledger, {
      get: (l, k) => (k === 'setCreditLine' || k === 'rebalance') ? async () => { throw new Error('ledger down'); } : Reflect.get(l, k),
    }) as Ledger;
    const crashed = createRateService({ ...core, db: core.storage.db, ledger: down, logger: createLogger('silent') });
    await assert.rejects(crashed.change(A.code, { n: 5, d: 1 }, 'test'), /ledger down/);
    assert.equal(await trustlineHour(A, B), units('30'), 'the ledger still has the old limit');
    assert.equal((await core.rates.due()).includes(A.code), true, 'the change is durably due');
    // The next start (or reconciliation) finishes it.
    await core.rates.resume();
    assert.equal(await trustlineHour(A, B), units('50'));
    assert.equal((await core.rates.due()).includes(A.code), false);
    assert.deepEqual(await ledgerDrift(), []);
  });

  it('refuses a credit line or a rate that would make a line round to 0 HOUR', async () => {
    // The fuzzer's rate: one unit is worth 6/2147483647 HOUR (settings given: the defaults in units would overflow).
    const tiny = { traderMaxBalance: '1000', traderCredit: '100', creditBalance: '100000', defaultMaxBalance: '1000' };
    const A = await core.community(code('RE'), { rate: { n: 6, d: 2147483647 }, settings: tiny });
    const B = await core.community(code('RF'));
    assert.equal(await core.creditLines.set(A, B, '10', 'test'), CreditLineError.RoundsToNothing);
    const C = await core.community(code('RG'), { rate: { n: 1, d: 1 } });
    await core.creditLines.set(C, B, '10', 'test');
    assert.equal(await core.rates.change(C.code, { n: 6, d: 2147483647 }, 'test'), CommunityError.LineRoundsToNothing);
    assert.equal(((await core.communities.getByCode(C.code)) as Community).rateN, 1, 'nothing changed');
    assert.deepEqual(await ledgerDrift(), []);
  });

  it('refuses a rate at which a line would be worth less than it carries, as it refuses lowering the line', async () => {
    const A = await core.community(code('RH'), { rate: { n: 4, d: 1 } });
    const B = await core.community(code('RI'));
    const a = await core.member(A, '100', '1000');
    const b = await core.member(B, '100', '1000');
    await core.creditLines.set(A, B, '10', 'test'); // 40 HOUR of B's that A accepts
    const t = await core.transfers.settle({ idempotencyKey: `rh-${seq}`, payer: b, payee: a, amount: units('5') });
    assert.ok(typeof t !== 'string' && t.state === 'settled', String(t));
    await core.rebalancer.idle();
    // A's trader holds 20 of B's HOUR; at 1/1 the line of 10 units would be worth 10 HOUR.
    assert.equal(await core.rates.change(A.code, { n: 1, d: 1 }, 'test'), CommunityError.LineBelowOutstanding);
    assert.equal(await trustlineHour(A, B), units('40'), 'nothing changed');
    // Raising the line first (in A's units) makes room for the new rate.
    await core.creditLines.set(A, B, '25', 'test');
    const after = await core.rates.change(A.code, { n: 1, d: 1 }, 'test');
    assert.ok(typeof after !== 'string', after as string);
    assert.equal(await trustlineHour(A, B), units('25'));
    assert.deepEqual(await ledgerDrift(), []);
  });

  it('property: any sequence of governance calls leaves the ledger as the records say', async () => {
    const cs = [
      await core.community(code('PA'), { rate: { n: 1, d: 1 } }),
      await core.community(code('PB'), { rate: { n: 2, d: 1 } }),
      await core.community(code('PC'), { rate: { n: 1, d: 3 } }),
    ];
    const members = await Promise.all(cs.map((c) => core.member(c, '1000', '100000')));
    const rate = fc.record({ n: fc.integer({ min: 1, max: 50 }), d: fc.integer({ min: 1, max: 50 }) });
    const pair = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })).filter(([x, y]) => x !== y);
    const command = fc.oneof(
      fc.record({ op: fc.constant('rate' as const), c: fc.integer({ min: 0, max: 2 }), rate }),
      fc.record({ op: fc.constant('line' as const), pair, limit: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ op: fc.constant('pay' as const), pair, amount: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ op: fc.constant('limits' as const), c: fc.integer({ min: 0, max: 2 }), credit: fc.integer({ min: 0, max: 2000 }) }),
    );
    await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 8 }), async (cmds) => {
      for (const cmd of cmds) {
        if (cmd.op === 'rate') {
          await core.rates.change(cs[cmd.c].code, cmd.rate, 'fuzz');
        } else if (cmd.op === 'line') {
          const [t, p] = cmd.pair;
          const truster = (await core.communities.getByCode(cs[t].code)) as Community;
          await core.creditLines.set(truster, cs[p], String(cmd.limit), 'fuzz');
        } else if (cmd.op === 'limits') {
          const c = (await core.communities.getByCode(cs[cmd.c].code)) as Community;
          await core.accounts.setLimits(c, members[cmd.c].account.code, { creditLimit: String(cmd.credit) }, 'fuzz');
        } else {
          const [x, y] = cmd.pair;
          const payer = { ...members[x], community: (await core.communities.getByCode(cs[x].code)) as Community };
          const payee = { ...members[y], community: (await core.communities.getByCode(cs[y].code)) as Community };
          await core.transfers.settle({ idempotencyKey: `fz-${seq++}`, payer, payee, amount: units(String(cmd.amount)) });
        }
      }
      await core.rebalancer.idle();
      const drift = await ledgerDrift();
      assert.deepEqual(drift, [], JSON.stringify(cmds));
    }), { numRuns: 20, endOnFailure: true });
  });
});
