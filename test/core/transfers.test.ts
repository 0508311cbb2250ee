import assert from 'node:assert/strict';
import { LedgerError } from '../../src/core/ledger';
import { CreditLineError } from '../../src/core/credit-lines/errors';
import { TransferError, isTransferError } from '../../src/core/transfers/errors';
import { Transfer } from '../../src/core/transfers/model';
import { Party } from '../../src/core/transfers/service';
import { TestCore, startTestCore, units } from '../helpers/core';

let seq = 0;
const key = () => `test|core|${Date.now()}-${++seq}`;

async function settle(core: TestCore, payer: Party, payee: Party, amount: string, idempotencyKey = key()): Promise<Transfer> {
  const t = await core.transfers.settle({ idempotencyKey, payer, payee, amount: units(amount) });
  assert.ok(!isTransferError(t), t as string);
  return t as Transfer;
}

describe('cross-community transfers on the devnet', function () {
  this.timeout(120000);
  let core: TestCore;

  before(async () => {
    core = await startTestCore();
  });
  after(async () => {
    await core?.close();
  });

  it('pays locally within a community and refuses beyond the payer’s credit', async () => {
    const A = await core.community('LOC1');
    const a1 = await core.member(A, '20', '1000');
    const a2 = await core.member(A, '20', '1000');
    const t = await settle(core, a1, a2, '15');
    assert.equal(t.state, 'settled');
    assert.equal(await core.balance(a1), -units('15'));
    assert.equal(await core.balance(a2), units('15'));
    const over = await settle(core, a1, a2, '6');
    assert.equal(over.state, 'rejected');
    assert.equal(over.errorCode, LedgerError.InsufficientBalance);
    assert.equal(await core.balance(a1), -units('15'));
  });

  it('pays across a credit line, refuses beyond it, and frees it when paid back', async () => {
    const A = await core.community('CRA1');
    const B = await core.community('CRB1', { rate: { n: 1, d: 2 } }); // 2 B = 1 HOUR
    const a = await core.member(A, '100');
    const b = await core.member(B, '100');
    // B accepts up to 20 B (10 HOUR) of A's HOUR; A extends nothing to B.
    assert.ok(!(typeof await core.creditLines.set(B, A, '20', 'test') === 'string'));
    const t1 = await settle(core, a, b, '16'); // 16 B = 8 HOUR = 8 A
    assert.equal(t1.state, 'settled');
    assert.equal(t1.sourceAmount, units('8'));
    assert.equal(await core.balance(a), -units('8'));
    assert.equal(await core.balance(b), units('16'));
    assert.equal(await core.creditLines.usage(B, A), units('16'));

    const over = await settle(core, a, b, '6'); // only 4 B of room left
    assert.equal(over.state, 'rejected');
    assert.equal(over.errorCode, LedgerError.CreditLineFull);

    await core.rebalancer.idle();
    const back = await settle(core, b, a, '5'); // B pays back: 10 B → 5 A
    assert.equal(back.state, 'settled');
    assert.equal(back.sourceAmount, units('10'));
    assert.equal(await core.creditLines.usage(B, A), units('6'));
    await core.rebalancer.idle();
    const again = await settle(core, a, b, '14'); // the freed room serves again
    assert.equal(again.state, 'settled');
    assert.equal(await core.creditLines.usage(B, A), units('20'));
  });

  it('ripples A → C through B when A and C have no line of their own', async () => {
    const A = await core.community('RPA1');
    const B = await core.community('RPB1');
    const C = await core.community('RPC1', { rate: { n: 3, d: 1 } }); // 1 C = 3 HOUR
    const a = await core.member(A, '100');
    const c = await core.member(C, '100');
    await core.creditLines.set(B, A, '50', 'test');
    await core.creditLines.set(C, B, '10', 'test'); // 10 C = 30 HOUR
    const t = await settle(core, a, c, '2'); // 2 C = 6 HOUR = 6 A
    assert.equal(t.state, 'settled', `${t.errorCode}`);
    assert.equal(t.sourceAmount, units('6'));
    assert.equal(t.path.length, 3);
    assert.equal(await core.balance(c), units('2'));
    assert.equal(await core.creditLines.usage(B, A), units('6'));
    assert.equal(await core.creditLines.usage(C, B), units('2'));
    // C's line to B holds 8 C more (24 HOUR); 9 C does not fit anywhere on the way.
    const over = await settle(core, a, c, '9');
    assert.equal(over.errorCode, LedgerError.CreditLineFull);
    // Communities with no line at all: no path.
    const D = await core.community('RPD1');
    const d = await core.member(D, '10');
    const none = await settle(core, d, a, '1');
    assert.equal(none.errorCode, LedgerError.NoPath);
  });

  it('refuses to lower a line below what is outstanding, and to open one on oneself', async () => {
    const A = await core.community('LWA1');
    const B = await core.community('LWB1');
    const a = await core.member(A, '100');
    const b = await core.member(B, '100');
    await core.creditLines.set(B, A, '30', 'test');
    await settle(core, a, b, '12');
    assert.equal(await core.creditLines.set(B, A, '11', 'test'), CreditLineError.BelowOutstanding);
    assert.equal(await core.creditLines.set(B, B, '5', 'test'), CreditLineError.Self);
    assert.equal(await core.creditLines.set(B, A, '1.00000001', 'test'), CreditLineError.InvalidLimit);
    const lowered = await core.creditLines.set(B, A, '12', 'test');
    assert.ok(lowered && typeof lowered !== 'string');
    assert.equal(lowered.limit, units('12'));
    const full = await settle(core, a, b, '1');
    assert.equal(full.errorCode, LedgerError.CreditLineFull);
  });

  it('keeps conversions exact after a rate change', async () => {
    const A = await core.community('RTA1');
    const B = await core.community('RTB1');
    const a = await core.member(A, '100');
    const b = await core.member(B, '100');
    await core.creditLines.set(B, A, '100', 'test');
    assert.equal((await settle(core, a, b, '10')).sourceAmount, units('10'));
    await core.rebalancer.idle();
    // A's unit is now worth 2 HOUR: half as many A pay the same B.
    const changed = await core.rates.change('RTA1', { n: 2, d: 1 }, 'test');
    assert.ok(typeof changed !== 'string');
    const after = await core.transfers.settle({ idempotencyKey: key(), payer: { ...a, community: changed }, payee: b, amount: units('10') });
    assert.ok(!isTransferError(after));
    assert.equal(after.state, 'settled');
    assert.equal(after.sourceAmount, units('5'));
    const q = await core.transfers.quote({ ...a, community: changed }, b, units('0.0000003'));
    assert.ok(typeof q !== 'string');
    assert.equal(q.sourceAmount, 2n, 'rounded up in the payee’s favour, never below the exact 1.5 stroops');
  });

  it('returns the first outcome for a repeated idempotency key and refuses it for another request', async () => {
    const A = await core.community('IDA1');
    const a1 = await core.member(A, '50');
    const a2 = await core.member(A, '50');
    const k = key();
    const [x, y, z] = await Promise.all([settle(core, a1, a2, '3', k), settle(core, a1, a2, '3', k), settle(core, a1, a2, '3', k)]);
    assert.equal(x.id, y.id);
    assert.equal(y.id, z.id);
    assert.equal(await core.balance(a2), units('3'), 'paid once');
    const conflict = await core.transfers.settle({ idempotencyKey: k, payer: a1, payee: a2, amount: units('4') });
    assert.equal(conflict, TransferError.IdempotencyConflict);
  });

  it('200 concurrent transfers against a line with room for 50 never exceed it, and none fails on a sequence', async () => {
    const A = await core.community('CCA1');
    const B = await core.community('CCB1');
    const payers = await Promise.all(Array.from({ length: 10 }, () => core.member(A, '100')));
    const b = await core.member(B, '0', '100000');
    await core.creditLines.set(B, A, '50', 'test');
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => settle(core, payers[i % 10], b, '1')));
    const settled = results.filter((t) => t.state === 'settled').length;
    const codes = new Set(results.filter((t) => t.state !== 'settled').map((t) => t.errorCode));
    assert.equal(settled, 50);
    assert.deepEqual([...codes], [LedgerError.CreditLineFull]);
    assert.equal(await core.balance(b), units('50'));
    assert.equal(await core.creditLines.usage(B, A), units('50'));
  });
});

describe('batching in the submission engine', function () {
  this.timeout(120000);
  let core: TestCore;

  before(async () => {
    core = await startTestCore({ channels: 1 }); // one channel: a backlog forms and is batched
  });
  after(async () => {
    await core?.close();
  });

  it('settles the rest of a batch when one payment in it fails', async () => {
    const A = await core.community('BTA1');
    const rich = await Promise.all(Array.from({ length: 12 }, () => core.member(A, '10')));
    const poor = await core.member(A, '0');
    const payee = await core.member(A, '0', '100000');
    const txs = new Set<string>();
    const all = await Promise.all([
      ...rich.map((p) => settle(core, p, payee, '2')),
      settle(core, poor, payee, '1'),
      ...rich.map((p) => settle(core, p, payee, '3')),
    ]);
    for (const t of all) if (t.ledgerHash) txs.add(t.ledgerHash);
    assert.equal(all.filter((t) => t.state === 'settled').length, 24);
    const failed = all.filter((t) => t.state === 'rejected');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].payerAccountId, poor.account.id);
    assert.equal(failed[0].errorCode, LedgerError.InsufficientBalance);
    assert.equal(await core.balance(payee), units('60'));
    assert.ok(txs.size < 24, `payments were batched (${txs.size} transactions for 24 payments)`);
  });
});
