import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fromHour } from '../../src/core/amounts';
import { currencyOf } from '../../src/core/communities/currency';
import { isTransferError } from '../../src/core/transfers/errors';
import { Party } from '../../src/core/transfers/service';
import { TestCore, startTestCore, units } from '../helpers/core';

/**
 * Netting previews on real positions: payments on the devnet leave each community's
 * trader holding the others' HOUR; the preview reads that from the ledger and shows the
 * largest clearing among the communities that opted in.
 */
describe('netting preview on the ledger', function () {
  this.timeout(300000);
  let core: TestCore;

  before(async () => { core = await startTestCore(); });
  after(async () => { await core?.close(); });

  const pay = async (payer: Party, payee: Party, amount: string) => {
    const t = await core.transfers.settle({ idempotencyKey: `test|netting|${randomUUID()}`, payer, payee, amount: units(amount) });
    assert.ok(!isTransferError(t) && t.state === 'settled', `payment ${amount}: ${isTransferError(t) ? t : `${t.state} ${t.errorCode}`}`);
  };

  it('clears the loop A→B→C→A by its smallest side, leaves the rest, and says who is left out', async () => {
    const [A, B, C, D] = [await core.community('NTA1'), await core.community('NTB1'), await core.community('NTC1'), await core.community('NTD1', { rate: { n: 2, d: 1 } })];
    // Each pays the next: the payee's community accepts the payer's HOUR.
    for (const [truster, peer] of [[B, A], [C, B], [A, C], [A, D]] as const) await core.creditLines.set(truster, peer, '100', 'test');
    const [a, b, c, d] = [await core.member(A), await core.member(B), await core.member(C), await core.member(D)];
    await pay(a, b, '10');
    await pay(b, c, '6');
    await pay(c, a, '8');
    await pay(d, a, '5'); // A holds 5 HOUR of D's: D has not opted in
    const balances = await Promise.all([a, b, c, d].map((p) => core.balance(p)));

    for (const x of [A, B, C]) await core.netting.setSettings(x, { optedIn: true, cap: null }, 'test');
    const p = await core.netting.preview();
    assert.deepEqual(p.leftOut.filter((l) => l.community.code.startsWith('NT')).map((l) => [l.community.code, l.reason]), [['NTD1', 'not_opted_in']]);
    const pos = (debtor: string, creditor: string) => p.positions.find((x) => x.debtor === debtor && x.creditor === creditor);
    assert.deepEqual([pos(A.id, B.id)?.amount, pos(A.id, B.id)?.cleared], [units('10'), units('6')]);
    assert.deepEqual([pos(B.id, C.id)?.amount, pos(B.id, C.id)?.cleared], [units('6'), units('6')]);
    assert.deepEqual([pos(C.id, A.id)?.amount, pos(C.id, A.id)?.cleared], [units('8'), units('6')]);
    assert.equal(pos(D.id, A.id), undefined, 'a position with a community that did not opt in is not in the clearing');
    assert.equal(p.gross, units('24'));
    assert.equal(p.cleared, units('18'));
    const row = p.communities.find((x) => x.community.id === A.id)!;
    assert.deepEqual([row.claimsBefore, row.claimsAfter, row.debtsBefore, row.debtsAfter, row.roomFreed],
      [units('8'), units('2'), units('10'), units('4'), units('6')]);

    // A cap of 2 (its units) on B holds the whole loop to 2.
    await core.netting.setSettings(B, { optedIn: true, cap: units('2') }, 'test');
    assert.equal((await core.netting.preview()).cleared, units('6'));
    // A preview changes nothing on the ledger.
    assert.deepEqual(await Promise.all([a, b, c, d].map((x) => core.balance(x))), balances);
    assert.equal(await core.creditLines.usage(B, A), units('10'));

    // The run clears on the ledger exactly what the preview showed (B capped at 2).
    const planned = (await core.netting.preview()).positions;
    const run = await core.netting.run('test');
    assert.equal(run.state, 'done', run.error ?? '');
    assert.equal(run.cleared, units('6'));
    assert.equal(run.hashes.length, 1, 'one loop, one transaction');
    for (const [truster, peer] of [[B, A], [C, B], [A, C], [A, D]] as const) {
      const x = planned.find((q) => q.debtor === peer.id && q.creditor === truster.id);
      const before = x ? x.amount : (peer === D ? units('5') : 0n);
      assert.equal(await core.ledger.creditLineUsage(currencyOf(truster), currencyOf(peer)), fromHour(before - (x?.cleared ?? 0n), { n: truster.rateN, d: truster.rateD }, 'up'),
        `${truster.code} holds of ${peer.code}'s HOUR`);
    }
    // Nobody's balance moved, and the book still carries payments both ways once rebalanced.
    assert.deepEqual(await Promise.all([a, b, c, d].map((x) => core.balance(x))), balances);
    await core.rebalancer.idle();
    const drift = await core.reconciler.run({ repair: false });
    assert.deepEqual(drift.filter((x) => ['NTA1', 'NTB1', 'NTC1', 'NTD1'].includes(x.community)), []);
    await pay(b, a, '3');
    await pay(a, b, '5');
    assert.equal((await core.netting.runs(1))[0].id, run.id);
  });

  it('finishes a run a crash left open from what the ledger knows of its transactions', async () => {
    // The communities of the test before take no part any more.
    for (const c of await core.communities.list()) await core.netting.setSettings(c, { optedIn: false, cap: null }, 'test');
    const [A, B] = [await core.community('NTE1'), await core.community('NTF1')];
    await core.creditLines.set(B, A, '100', 'test');
    await core.creditLines.set(A, B, '100', 'test');
    const [a, b] = [await core.member(A), await core.member(B)];
    await pay(a, b, '4');
    await pay(b, a, '3');
    for (const x of [A, B]) await core.netting.setSettings(x, { optedIn: true, cap: null }, 'test');
    const done = await core.netting.run('test');
    assert.equal(done.state, 'done', done.error ?? '');
    assert.equal(done.cleared, units('6'));
    // As if the process died after sending: the row still says running.
    const o = core.storage.db.owner;
    await o('netting_runs').where({ id: done.id }).update({ state: 'running', cleared: 0, finished_at: null });
    await o('netting_runs').insert({ id: randomUUID(), actor: 'test', plan: JSON.stringify([{ legs: [{ debtor: A.id, creditor: B.id, amount: '1' }] }]), gross: '1', hashes: ['0:' + '0'.repeat(64)] });
    await core.netting.resume();
    const [never, resumed] = await core.netting.runs(2);
    assert.deepEqual([resumed.id, resumed.state, resumed.cleared], [done.id, 'done', units('6')]);
    assert.deepEqual([never.state, never.cleared], ['failed', 0n]);
    assert.match(never.error ?? '', /interrupted: 0 of 1/);
  });

  it('runs racing with payments both ways leave the ledger and the records together', async () => {
    for (const c of await core.communities.list()) await core.netting.setSettings(c, { optedIn: false, cap: null }, 'test');
    const cs = [await core.community('NTR1'), await core.community('NTR2'), await core.community('NTR3')];
    for (const x of cs) for (const y of cs) if (x !== y) await core.creditLines.set(x, y, '200', 'test');
    const members = await Promise.all(cs.map((c) => core.member(c, '500', '5000')));
    const start = await Promise.all(members.map((m) => core.balance(m)));
    const hourOf = new Map(cs.map((c) => [c.id, 0n]));
    const paid = members.map(() => 0n);
    /** A payment that may be declined (a limit, or an offer a clearing moved under it), never lost. */
    const tryPay = async (i: number, j: number, amount: string) => {
      const t = await core.transfers.settle({ idempotencyKey: `test|netting-race|${randomUUID()}`, payer: members[i], payee: members[j], amount: units(amount) });
      assert.ok(!isTransferError(t), String(t));
      if (t.state !== 'settled') return t.state;
      paid[i] -= units(amount);
      paid[j] += units(amount);
      hourOf.set(cs[i].id, hourOf.get(cs[i].id)! - units(amount));
      hourOf.set(cs[j].id, hourOf.get(cs[j].id)! + units(amount));
      return t.state;
    };
    // A loop of debts to clear: 1 → 2 → 3 → 1.
    for (const [i, j] of [[0, 1], [1, 2], [2, 0]]) assert.equal(await tryPay(i, j, '40'), 'settled');
    for (const c of cs) await core.netting.setSettings(c, { optedIn: true, cap: null }, 'test');

    // Three runs in a row while 36 payments go every way, four at a time.
    const pairs = [[0, 1], [1, 0], [1, 2], [2, 1], [2, 0], [0, 2]];
    const payments = (async () => {
      const states: string[] = [];
      for (let k = 0; k < 36; k += 4) {
        states.push(...await Promise.all([0, 1, 2, 3].map((q) => tryPay(pairs[(k + q) % 6][0], pairs[(k + q) % 6][1], String(1 + ((k + q) % 5))))));
      }
      return states;
    })();
    const runs = [];
    for (let r = 0; r < 3; r++) runs.push(await core.netting.run('test'));
    const states = await payments;
    assert.ok(states.filter((s) => s === 'settled').length >= 30, `payments settled: ${states.join(' ')}`);
    // The rebalancer holds off the communities of a run, and a group a payment moved under is
    // planned again: netting gets done under a steady stream of payments.
    assert.ok(runs.some((r) => r.state === 'done' && r.cleared > 0n), `runs: ${runs.map((r) => `${r.state} ${r.cleared} ${r.error ?? ''}`).join('; ')}`);

    // Each run's record says exactly what its transactions did on the ledger.
    for (const run of runs) {
      const [row] = await core.storage.db.owner('netting_runs').where({ id: run.id });
      let applied = 0n;
      for (const [g, group] of (row.plan as Array<{ legs: Array<{ amount: string }> }>).entries()) {
        const hashes = (row.hashes as string[]).filter((h) => h.startsWith(`${g}:`)).map((h) => h.slice(h.indexOf(':') + 1));
        let ok = false;
        for (const h of hashes) if ((await core.ledger.findTransaction(h))?.successful) ok = true;
        if (ok) applied += group.legs.reduce((s, l) => s + BigInt(l.amount), 0n);
      }
      assert.equal(run.cleared, applied, `run ${run.state}: recorded ${run.cleared}, on the ledger ${applied}`);
    }
    // No community's net position moved but by its payments; no member's balance but by theirs.
    const held = async (c: (typeof cs)[number]) => {
      const mine = await core.ledger.traderLines(currencyOf(c));
      return mine.filter((l) => cs.some((o) => o.ledgerAccounts.externalIssuer === l.externalIssuer)).reduce((s, l) => s + l.balance, 0n);
    };
    let gross = 0n;
    for (const c of cs) {
      const claims = await held(c);
      gross += claims;
      let debts = 0n;
      for (const o of cs) if (o !== c) debts += await core.ledger.creditLineUsage(currencyOf(o), currencyOf(c));
      assert.equal(claims - debts, hourOf.get(c.id), `${c.code}'s net position`);
    }
    assert.deepEqual(await Promise.all(members.map((m) => core.balance(m))), start.map((b, i) => b + paid[i]));
    void gross;
    // And the book is whole again once the rebalancer has caught up.
    await core.rebalancer.idle();
    const drift = await core.reconciler.run({ repair: false });
    assert.deepEqual(drift.filter((x) => cs.some((c) => c.code === x.community)), []);
    assert.equal(await tryPay(0, 2, '2'), 'settled');
    assert.equal(await tryPay(2, 0, '2'), 'settled');
  });

  it('a payment landing between a clearing being built and applied leaves it whole or not at all, and the run plans again', async () => {
    for (const c of await core.communities.list()) await core.netting.setSettings(c, { optedIn: false, cap: null }, 'test');
    const cs = [await core.community('NTS1'), await core.community('NTS2'), await core.community('NTS3')];
    // Lines along the loop only: NTS2 pays NTS1 back with the NTS1 HOUR it holds, nothing else.
    for (const [x, y] of [[1, 0], [2, 1], [0, 2]]) await core.creditLines.set(cs[x], cs[y], '200', 'test');
    const [a, b, c] = await Promise.all(cs.map((x) => core.member(x, '500', '5000')));
    await pay(a, b, '40');
    await pay(b, c, '40');
    await pay(c, a, '40');
    for (const x of cs) await core.netting.setSettings(x, { optedIn: true, cap: null }, 'test');
    const before = await Promise.all([a, b, c].map((x) => core.balance(x)));
    // NTS2's trader holds 40 of NTS1's HOUR and the clearing hands them all back; a payment
    // from NTS2 to NTS1 spends some of them after the transaction was built from the ledger.
    const settle = core.ledger.settleClearing.bind(core.ledger);
    let interfere = 1;
    core.ledger.settleClearing = async (legs, keys, onSubmit) => settle(legs, keys, async (s) => {
      await onSubmit?.(s);
      if (interfere-- > 0) await pay(b, a, '5');
    });
    let raced;
    try {
      raced = await core.netting.run('test');
    } finally {
      core.ledger.settleClearing = settle;
    }
    // The ledger refused the first transaction whole; the run read the positions again and
    // cleared what the payment left of the loop.
    assert.deepEqual([raced.state, raced.cleared], ['done', units('105')], raced.error ?? '');
    const [row] = await core.storage.db.owner('netting_runs').where({ id: raced.id });
    const plan = row.plan as Array<{ legs: Array<{ amount: string }>; refused?: string }>;
    assert.deepEqual(plan.map((g) => [g.legs.reduce((x, l) => x + BigInt(l.amount), 0n), g.refused !== undefined]), [[units('120'), true], [units('105'), false]]);
    assert.equal(raced.hashes.length, 2);
    assert.equal((await core.ledger.findTransaction(raced.hashes[0].split(':')[1]))?.successful ?? false, false, 'the refused transaction did not apply');
    assert.deepEqual([await core.creditLines.usage(cs[1], cs[0]), await core.creditLines.usage(cs[2], cs[1]), await core.creditLines.usage(cs[0], cs[2])],
      [0n, units('5'), units('5')]);
    assert.deepEqual(await Promise.all([a, b, c].map((x) => core.balance(x))), [before[0] + units('5'), before[1] - units('5'), before[2]]);
    await core.rebalancer.idle();
    assert.deepEqual((await core.reconciler.run({ repair: false })).filter((x) => x.community.startsWith('NTS')), []);
  });
});
