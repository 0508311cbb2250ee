import assert from 'node:assert/strict';
import { Community } from '../../src/core/communities/model';
import { APP_ROLE } from '../../src/db/rls';
import { TestStorage, openTestStorage } from '../helpers/storage';

describe('tenant isolation (row level security)', () => {
  let s: TestStorage;
  let a: Community;
  let b: Community;

  before(async () => {
    s = await openTestStorage();
    a = await s.register('AAA1', 'Alpha');
    b = await s.register('BBB1', 'Beta');
    await s.db.community(a.id, (trx) => s.vault.sealSecret(trx, a.id, 'issuer', 'SA-alpha-secret'));
    await s.db.community(b.id, (trx) => s.vault.sealSecret(trx, b.id, 'issuer', 'SB-beta-secret'));
  });

  after(async () => {
    await s?.cleanup();
  });

  it('works as a role that neither owns the tables nor bypasses RLS', async () => {
    const row = await s.db.community(a.id, async (trx) => {
      const { rows } = await trx.raw(`
        select current_user as who, r.rolsuper, r.rolbypassrls,
               (select count(*) from pg_tables where schemaname = 'public' and tableowner = current_user)::int as owned
        from pg_roles r where r.rolname = current_user`);
      return rows[0];
    });
    assert.deepEqual(row, { who: APP_ROLE, rolsuper: false, rolbypassrls: false, owned: 0 });
  });

  it("raw SQL in community A's context reads none of B's rows", async () => {
    const seen = await s.db.community(a.id, async (trx) => ({
      secrets: (await trx.raw('select community_id, name from vault_secrets')).rows,
      keys: (await trx.raw('select community_id from community_keys')).rows,
      byId: (await trx.raw('select count(*)::int as n from vault_secrets where community_id = ?', [b.id])).rows[0].n,
    }));
    assert.deepEqual(seen.secrets, [{ community_id: a.id, name: 'issuer' }]);
    assert.deepEqual(seen.keys, [{ community_id: a.id }]);
    assert.equal(seen.byId, 0);
  });

  it("raw SQL in community A's context cannot write B's rows", async () => {
    await assert.rejects(
      s.db.community(a.id, (trx) => trx.raw(
        `insert into vault_secrets (community_id, name, key_version, sealed) values (?, 'planted', 1, '\\x00')`, [b.id])),
      /row-level security/,
    );
    const changed = await s.db.community(a.id, async (trx) => ({
      updated: (await trx.raw(`update vault_secrets set sealed = '\\x00' where community_id = ?`, [b.id])).rowCount,
      deleted: (await trx.raw('delete from community_keys where community_id = ?', [b.id])).rowCount,
    }));
    assert.deepEqual(changed, { updated: 0, deleted: 0 });
    // Moving one of A's own rows into B is refused too (WITH CHECK).
    await assert.rejects(
      s.db.community(a.id, (trx) => trx.raw('update vault_secrets set community_id = ? where community_id = ?', [b.id, a.id])),
      /row-level security|violates foreign key/,
    );
    const secret = await s.db.community(b.id, (trx) => s.vault.openSecret(trx, b.id, 'issuer'));
    assert.equal(secret.reveal(), 'SB-beta-secret');
  });

  it('hub-wide work sees the registry but no community rows', async () => {
    const seen = await s.db.hub(async (trx) => ({
      communities: (await trx.raw('select code from communities order by code')).rows.map((r: { code: string }) => r.code),
      secrets: (await trx.raw('select count(*)::int as n from vault_secrets')).rows[0].n,
    }));
    assert.deepEqual(seen.communities, ['AAA1', 'BBB1']);
    assert.equal(seen.secrets, 0);
  });

  it('routine upkeep (vacuum on the embedded database) leaves every row in place', async () => {
    await s.db.maintain();
    const n = await s.db.community(a.id, async (trx) => (await trx.raw('select count(*)::int as n from vault_secrets')).rows[0].n);
    assert.equal(n, 1);
  });

  it('the community setting does not leak into the next transaction on the same pool', async () => {
    await s.db.community(a.id, async (trx) => trx.raw('select 1'));
    const n = await s.db.hub(async (trx) => (await trx.raw('select count(*)::int as n from community_keys')).rows[0].n);
    assert.equal(n, 0);
  });
});
