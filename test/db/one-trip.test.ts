import assert from 'node:assert/strict';
import { Community } from '../../src/core/communities/model';
import { inline } from '../../src/db/one-trip';
import { APP_ROLE } from '../../src/db/rls';
import { TestStorage, openTestStorage } from '../helpers/storage';

describe('one round trip of scoped statements (db.trip)', () => {
  let s: TestStorage;
  let a: Community;
  let b: Community;

  before(async () => {
    s = await openTestStorage();
    a = await s.register('OTA1', 'One trip A');
    b = await s.register('OTB1', 'One trip B');
    await s.db.community(a.id, (trx) => s.vault.sealSecret(trx, a.id, 'issuer', 'SA-secret'));
    await s.db.community(b.id, (trx) => s.vault.sealSecret(trx, b.id, 'issuer', 'SB-secret'));
  });
  after(async () => {
    await s?.cleanup();
  });

  it('runs each statement as the app role, scoped to its own community', async () => {
    const [mine, theirs, who] = await s.db.trip([
      { communityId: a.id, sql: 'select community_id from vault_secrets', bindings: [] },
      { communityId: b.id, sql: 'select community_id from vault_secrets where community_id = ?::uuid', bindings: [a.id] },
      { communityId: b.id, sql: 'select current_user as who', bindings: [] },
    ]);
    assert.deepEqual(mine, [{ community_id: a.id }]);
    assert.deepEqual(theirs, [], "B's statement sees none of A's rows");
    assert.deepEqual(who, [{ who: APP_ROLE }]);
    // Nothing carries over to the next piece of work on the pool.
    const after = await s.db.owner.raw(`select current_user as who, current_setting('intertrade.community', true) as c`);
    assert.notEqual(after.rows[0].who, APP_ROLE);
    assert.ok(!after.rows[0].c);
  });

  it('is all or nothing: a failing statement undoes the ones before it', async () => {
    await assert.rejects(s.db.trip([
      { communityId: a.id, sql: 'delete from vault_secrets where community_id = ?::uuid', bindings: [a.id] },
      { communityId: b.id, sql: 'select 1 / 0', bindings: [] },
    ]), /division by zero/);
    const n = await s.db.community(a.id, async (trx) => (await trx.raw('select count(*)::int as n from vault_secrets')).rows[0].n);
    assert.equal(n, 1);
  });

  it('writes values as literals that stay values, whatever characters they hold', async () => {
    const nasty = ["'; drop table vault_secrets; --", 'back\\slash \\\' quote', 'ünïcødé ✓ "double"', '?', '$1'];
    const [rows] = await s.db.trip([{
      communityId: a.id, sql: 'select ?::text as v, ?::jsonb as j, ?::text[] as arr, ?::text[] as empty', bindings: [nasty[0], JSON.stringify({ nasty }), nasty, []],
    }]);
    assert.deepEqual(rows, [{ v: nasty[0], j: { nasty }, arr: nasty, empty: [] }]);
    assert.equal(inline('select ?, ?', [null, 12n]), 'select NULL, 12');
    assert.throws(() => inline('select ?', []), /1 placeholders, 0 bindings/);
    await assert.rejects(s.db.trip([{ communityId: "x'; drop", sql: 'select 1', bindings: [] }]), /not a community id/);
  });
});
