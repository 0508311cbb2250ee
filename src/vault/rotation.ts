/**
 * Key rotation while the hub runs, resumable after any interruption.
 *
 * Master key: record the target key id, re-wrap each community's data keys in its own
 * short transaction (rows carry the id of the key that wraps them, so a re-run skips
 * what is done), then, in one transaction that re-checks every community, switch the
 * recorded master key id. Running hubs keep their unwrapped data keys in memory.
 *
 * Community key: add a new current version (the old one becomes `retiring`), re-seal
 * the community's secrets in batches, then drop the retiring version once nothing is
 * sealed under it (a foreign key makes that drop fail rather than strand a secret).
 */
import { Database, Trx } from '../db/database';
import { COMMUNITY_SETTING } from '../db/rls';
import { keyId, open, seal } from './crypto';
import { MASTER_KEY_SETTING, ROTATION_SETTING, Vault, WrongMasterKeyError, dataKeyAad, hubSecretAad } from './vault';

export interface RotationProgress {
  (message: string): void;
}

async function rewrapCommunity(trx: Trx, communityId: string, oldKey: Buffer, newKey: Buffer): Promise<number> {
  const oldId = keyId(oldKey);
  const newId = keyId(newKey);
  const rows = await trx('community_keys').where({ community_id: communityId }).whereNot({ master_key_id: newId }).forUpdate();
  for (const row of rows) {
    if (row.master_key_id !== oldId) {
      throw new Error(`data key v${row.version} of community ${communityId} is wrapped by unknown master key ${row.master_key_id}`);
    }
    const aad = dataKeyAad(communityId, row.version);
    const plain = open(oldKey, row.wrapped, aad, `data key of community ${communityId} v${row.version}`);
    await trx('community_keys').where({ community_id: communityId, version: row.version })
      .update({ wrapped: seal(newKey, plain, aad), master_key_id: newId });
  }
  return rows.length;
}

export async function rotateMasterKey(
  db: Database, oldKey: Buffer, newKey: Buffer, progress: RotationProgress = () => {},
): Promise<{ rewrapped: number }> {
  const oldId = keyId(oldKey);
  const newId = keyId(newKey);
  if (oldId === newId) throw new Error('NEW_MASTER_KEY is the same as MASTER_KEY');

  const already = await db.hub(async (trx) => {
    const cur = await trx('hub_settings').where({ key: MASTER_KEY_SETTING }).forUpdate().first();
    const rot = await trx('hub_settings').where({ key: ROTATION_SETTING }).first();
    const recorded = (cur?.value as { id?: string } | undefined)?.id;
    const target = (rot?.value as { id?: string } | undefined)?.id;
    if (recorded === newId && !target) return true; // finished earlier
    if (recorded !== oldId) throw new WrongMasterKeyError(recorded ?? '(none)', oldId);
    if (target && target !== newId) {
      throw new Error(`a rotation to master key ${target} is unfinished; run it again with that key as NEW_MASTER_KEY`);
    }
    if (!target) await trx('hub_settings').insert({ key: ROTATION_SETTING, value: { id: newId } });
    return false;
  });
  if (already) {
    progress('master key already rotated');
    return { rewrapped: 0 };
  }

  let rewrapped = 0;
  const communities: Array<{ id: string; code: string }> = await db.hub((trx) => trx('communities').select('id', 'code'));
  for (const c of communities) {
    const n = await db.community(c.id, (trx) => rewrapCommunity(trx, c.id, oldKey, newKey));
    rewrapped += n;
    if (n > 0) progress(`re-wrapped ${n} data key(s) of ${c.code}`);
  }

  // Final switch: one transaction that sweeps every community again (catching any
  // created meanwhile, which a hub wraps under the old key) and records the new id.
  await db.hub(async (trx) => {
    await trx('hub_settings').where({ key: MASTER_KEY_SETTING }).forUpdate();
    const all: Array<{ id: string }> = await trx('communities').select('id');
    for (const c of all) {
      await trx.raw('select set_config(?, ?, true)', [COMMUNITY_SETTING, c.id]);
      rewrapped += await rewrapCommunity(trx, c.id, oldKey, newKey);
    }
    await trx.raw('select set_config(?, ?, true)', [COMMUNITY_SETTING, '']);
    for (const row of await trx('hub_secrets').whereNot({ master_key_id: newId }).forUpdate()) {
      const plain = open(oldKey, row.sealed, hubSecretAad(row.name), `hub secret "${row.name}"`);
      await trx('hub_secrets').where({ name: row.name }).update({ sealed: seal(newKey, plain, hubSecretAad(row.name)), master_key_id: newId });
      rewrapped++;
    }
    await trx('hub_settings').where({ key: MASTER_KEY_SETTING }).update({ value: { id: newId }, updated_at: trx.fn.now() });
    await trx('hub_settings').where({ key: ROTATION_SETTING }).delete();
  });
  progress(`master key is now ${newId}`);
  return { rewrapped };
}

export async function rotateCommunityKey(
  db: Database, vault: Vault, communityId: string, progress: RotationProgress = () => {}, batch = 100,
): Promise<{ version: number; resealed: number }> {
  const version = await db.community(communityId, (trx) => vault.beginCommunityKeyRotation(trx, communityId));

  let resealed = 0;
  for (;;) {
    const n = await db.community(communityId, async (trx) => {
      const names: Array<{ name: string }> = await trx('vault_secrets')
        .where({ community_id: communityId }).where('key_version', '<', version).select('name').limit(batch);
      let done = 0;
      for (const { name } of names) if (await vault.resealSecret(trx, communityId, name)) done++;
      return names.length === 0 ? -1 : done;
    });
    if (n < 0) break;
    resealed += n;
    progress(`re-sealed ${resealed} secret(s)`);
  }

  await db.community(communityId, async (trx) => {
    await trx('community_keys').where({ community_id: communityId, status: 'retiring' }).delete();
  });
  progress(`community key is now v${version}`);
  return { version, resealed };
}
