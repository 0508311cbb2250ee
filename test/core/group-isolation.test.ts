import assert from 'node:assert/strict';
import { TransferError } from '../../src/core';
import { groupCommit } from '../../src/db/group-commit';
import { TestCore, startTestCore, units } from '../helpers/core';

describe('a request that fails in a group of writes fails alone', function () {
  this.timeout(60000);

  it('group commit: when the group\'s transaction fails, its members are written one by one', async function () {
    const writes: number[][] = [];
    const write = groupCommit<number, number>(async (items) => {
      writes.push(items);
      if (items.includes(13)) throw new Error('the database refused 13');
      return items.map((i) => i * 2);
    });
    const out = await Promise.allSettled([1, 2, 13, 4].map(write));
    assert.deepEqual(out.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)), [2, 4, 'the database refused 13', 8]);
    assert.deepEqual(writes, [[1, 2, 13, 4], [1], [2], [13], [4]]);
  });

  describe('transfers settled together by the core (no protocol edge in front)', function () {
    let core: TestCore;
    before(async () => { core = await startTestCore(); });
    after(async () => { await core?.close(); });

    it('refuses a text the database cannot store before it joins the group, and settles the others', async function () {
      const c = await core.community('GRP1');
      const payer = await core.member(c, '1000', '100000');
      const payee = await core.member(c, '0', '100000');
      const settle = (i: number, meta: string) => core.transfers.settle({ idempotencyKey: `group-${i}`, payer, payee, amount: units('1'), meta });
      const answers = await Promise.all([...Array.from({ length: 20 }, (_, i) => settle(i, `fine ${i}`)), settle(99, 'bad\u0000'),
        core.transfers.settle({ idempotencyKey: 'key\u0000', payer, payee, amount: units('1') })]);
      assert.equal(answers.pop(), TransferError.InvalidText);
      assert.equal(answers.pop(), TransferError.InvalidText);
      assert.deepEqual([...new Set(answers.map((t) => (typeof t === 'string' ? t : t.state)))], ['settled']);
      assert.equal(await core.balance(payee), units('20'));
    });
  });
});
