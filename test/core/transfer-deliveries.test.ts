import assert from 'node:assert/strict';
import { DeliveryOutcome } from '../../src/core/deliveries/service';
import { Delivery } from '../../src/core/deliveries/model';
import { TransferError, isTransferError } from '../../src/core/transfers/errors';
import { Transfer } from '../../src/core/transfers/model';
import { TestCore, startTestCore, units } from '../helpers/core';

let seq = 0;
const key = () => `test|delivery|${Date.now()}-${++seq}`;

/**
 * Transfers and their deliveries together: a delivery is written with its transfer,
 * sent only once it settles, cancelled if it is rejected; an acknowledgement makes the
 * transfer delivered, a refusal pays the payer back (compensation).
 */
describe('transfers with deliveries: delivered, cancelled, compensated', function () {
  this.timeout(120000);
  let core: TestCore;
  /** What the other side answers next, and what it was asked. */
  let answer: DeliveryOutcome = { outcome: 'acknowledged' };
  const seen: unknown[] = [];

  before(async () => {
    core = await startTestCore();
    core.deliveries.register('test.relay', async (d) => {
      seen.push(d.payload);
      return answer;
    });
  });
  after(async () => {
    await core?.close();
  });

  const twoCommunities = async (codes: [string, string]) => {
    const A = await core.community(codes[0]);
    const B = await core.community(codes[1], { rate: { n: 1, d: 2 } });
    assert.equal(typeof await core.creditLines.set(B, A, '100', 'test'), 'object');
    return { a: await core.member(A, '100'), b: await core.member(B, '100') };
  };
  const delivery = (id: string) => ({ kind: 'test.relay', target: 'test://peer', payload: { id } });
  const settle = async (req: Parameters<TestCore['transfers']['settle']>[0]): Promise<Transfer> => {
    const t = await core.transfers.settle(req);
    assert.ok(!isTransferError(t), t as string);
    return t as Transfer;
  };

  it('sends the delivery once the transfer is settled, and marks the transfer delivered when acknowledged', async () => {
    const { a, b } = await twoCommunities(['DVA1', 'DVB1']);
    answer = { outcome: 'acknowledged', result: { ok: true } };
    const t = await settle({ idempotencyKey: key(), payer: a, payee: b, amount: units('10'), delivery: delivery('d1') });
    assert.equal(t.state, 'settled');
    const d = await core.deliveries.deliverNow(t.communityId, t.id, 'test.relay');
    assert.equal(d?.state, 'delivered');
    assert.deepEqual(d?.result, { ok: true });
    assert.equal((await core.transfers.get(t.communityId, t.id))?.state, 'delivered');
    // Asking again does not deliver again.
    const again = await core.deliveries.deliverNow(t.communityId, t.id, 'test.relay');
    assert.equal(again?.attempts, 1);
    assert.equal(seen.filter((p) => (p as { id: string }).id === 'd1').length, 1);
  });

  it('cancels the delivery of a rejected transfer, which is never sent', async () => {
    const { a, b } = await twoCommunities(['DVA2', 'DVB2']);
    const t = await settle({ idempotencyKey: key(), payer: a, payee: b, amount: units('5000'), delivery: delivery('d2') });
    assert.equal(t.state, 'rejected');
    assert.equal(await core.deliveries.deliverNow(t.communityId, t.id, 'test.relay'), null);
    const [d] = await core.deliveries.forTransfer(t.communityId, t.id);
    assert.equal(d.state, 'cancelled');
    await core.deliveries.runDue();
    assert.ok(!seen.some((p) => (p as { id: string }).id === 'd2'));
  });

  it('pays the payer back when the other side refuses after settlement, and ends compensated', async () => {
    const { a, b } = await twoCommunities(['DVA3', 'DVB3']);
    answer = { outcome: 'refused', reason: 'over the payee account limit', result: { code: 24 } };
    const t = await settle({ idempotencyKey: key(), payer: a, payee: b, amount: units('16'), delivery: delivery('d3') });
    assert.equal(t.state, 'settled');
    assert.equal(await core.balance(a), -units('8'));
    const d = await core.deliveries.deliverNow(t.communityId, t.id, 'test.relay');
    assert.equal(d?.state, 'refused');
    const after = await core.transfers.get(t.communityId, t.id);
    assert.equal(after?.state, 'compensated');
    assert.equal(after?.errorMessage, 'over the payee account limit');
    // Both sides are back where they were, and the line is free again.
    assert.equal(await core.balance(a), 0n);
    assert.equal(await core.balance(b), 0n);
    assert.equal(await core.creditLines.usage(b.community, a.community), 0n);
    const back = await core.transfers.findByKey(b.community.id, `compensation|${t.id}`);
    assert.equal(back?.state, 'settled');
    assert.equal(back?.amount, units('8'));
    // Compensating again is a no-op.
    assert.equal((await core.transfers.compensate(after!, 'again')).state, 'compensated');
    assert.equal(await core.balance(a), 0n);
  });

  it('compensates at resume a refusal recorded just before a crash', async () => {
    const { a, b } = await twoCommunities(['DVA4', 'DVB4']);
    const t = await settle({ idempotencyKey: key(), payer: a, payee: b, amount: units('4'), delivery: delivery('d4') });
    // The refusal is recorded, the hub dies before its listener pays back.
    await core.storage.db.community(t.communityId, async (trx) => {
      await Delivery.query(trx).patch({ state: 'refused', lastError: 'remote refused' }).where({ transfer_id: t.id });
    });
    assert.equal(await core.balance(a), -units('2'));
    await core.transfers.resume();
    assert.equal((await core.transfers.get(t.communityId, t.id))?.state, 'compensated');
    assert.equal(await core.balance(a), 0n);
    assert.equal(await core.balance(b), 0n);
  });

  it('records a payment made by someone else once, with its delivery, and refuses the key for another payment', async () => {
    const { a, b } = await twoCommunities(['DVA5', 'DVB5']);
    const paid = await settle({ idempotencyKey: key(), payer: a, payee: b, amount: units('2') });
    const req = {
      idempotencyKey: `test|record|${paid.ledgerHash}`, payer: a, payee: b, amount: units('2'), sourceAmount: units('1'),
      ledgerHash: paid.ledgerHash!, delivery: delivery('d5'),
    };
    const [r1, r2] = await Promise.all([core.transfers.record(req), core.transfers.record(req)]);
    assert.ok(!isTransferError(r1) && !isTransferError(r2));
    assert.equal((r1 as Transfer).id, (r2 as Transfer).id);
    assert.equal((r1 as Transfer).state, 'settled');
    assert.equal((await core.deliveries.forTransfer((r1 as Transfer).communityId, (r1 as Transfer).id)).length, 1);
    assert.equal(await core.transfers.record({ ...req, amount: units('3') }), TransferError.IdempotencyConflict);
  });
});
