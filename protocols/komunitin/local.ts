/**
 * The hub's own accounts as Komunitin accounts. A hosted community's member is
 * addressed by its id (a UUID, as Komunitin ids are) or by its code. A mirror
 * community (an exchange reached by CXP or Clearing Central) has no account per member
 * here: a member is addressed by its reference in the exchange (`…/CODE/accounts/<ref>`)
 * and answers with a stable UUID (version 5, of the community id and the reference),
 * remembered so a transfer naming that UUID finds the member again. Its ledger key is
 * the community's import-export account, which receives for all the exchange's members.
 */
import crypto from 'node:crypto';
import { Account, Community, IMPORT_EXPORT_CODE, isAccountError } from '../../src/core';
import { ProtocolDeps } from '../../src/protocol';
import { UUID } from './translate';

export interface LocalAccount {
  /** The id Komunitin servers use for it. */
  id: string;
  code: string;
  account: Account;
  /** A mirror community's member: its reference in the exchange. */
  memberRef?: string;
}

export const isMirror = (c: Community): boolean => c.kind === 'cxp' || c.kind === 'ces';
/** What the hub serves as Komunitin currencies: its own and its mirror communities. */
export const isServed = (c: Community): boolean => c.kind === 'hosted' || isMirror(c);

const MEMBER_REF = /^[A-Za-z0-9._@+-]{1,64}$/;

/** UUID version 5 (RFC 4122, SHA-1) of `name` in the namespace `namespace`. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = crypto.createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export async function resolveLocal(deps: ProtocolDeps, c: Community, id: string): Promise<LocalAccount | null> {
  if (c.kind === 'hosted') {
    const a = UUID.test(id) ? await deps.accounts.getById(c.id, id) : await deps.accounts.get(c, id);
    if (isAccountError(a) || a.kind !== 'member' || a.ledgerStatus !== 'ready') return null;
    return { id: a.id, code: a.code, account: a };
  }
  if (!isMirror(c)) return null;
  const ie = await deps.accounts.get(c, IMPORT_EXPORT_CODE);
  if (isAccountError(ie)) return null;
  if (UUID.test(id)) {
    const row = await deps.db.community(c.id, async (trx) => trx('komunitin_mirror_members').where({ community_id: c.id, id: id.toLowerCase() }).first());
    return row ? { id: row.id, code: row.member_ref, account: ie, memberRef: row.member_ref } : null;
  }
  if (!MEMBER_REF.test(id) || id === IMPORT_EXPORT_CODE) return null;
  const alias = uuidV5(c.id, id);
  await deps.db.community(c.id, async (trx) => trx('komunitin_mirror_members')
    .insert({ community_id: c.id, id: alias, member_ref: id }).onConflict(['community_id', 'member_ref']).ignore());
  return { id: alias, code: id, account: ie, memberRef: id };
}
