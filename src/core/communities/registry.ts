/**
 * The registry step of creating a community: its row and its vault data key, in the
 * caller's hub transaction. Ledger provisioning comes after (service.ts); tests of
 * storage and isolation use this step alone.
 */
import { Trx, enterCommunity } from '../../db/database';
import { Vault } from '../../vault/vault';
import { CommunityError } from './errors';
import { Community } from './model';

export async function registerCommunity(
  trx: Trx, vault: Vault, row: Partial<Community> & Pick<Community, 'code' | 'name' | 'kind'>,
): Promise<Community | CommunityError> {
  if (await Community.query(trx).findOne({ code: row.code })) return CommunityError.DuplicateCode;
  const c = await Community.query(trx).insertAndFetch(row);
  await enterCommunity(trx, c.id);
  await vault.createCommunityKey(trx, c.id);
  return c;
}
