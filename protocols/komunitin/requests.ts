/**
 * The store of Komunitin transfers: every payment and payment request a community of
 * this hub takes part in, under the id both servers know it by. Payments point at the
 * core transfer that moved the money; requests wait here (pending) until accepted or
 * rejected. States change compare-and-set, so a decision is taken once. Each
 * community's policy says which requests from peers it pays without asking.
 */
import { Database, Trx } from '../../src/db/database';
import { Transfer } from '../../src/core';

export type Direction = 'incoming' | 'outgoing';
export type KState = 'new' | 'pending' | 'committed' | 'rejected' | 'failed';
export type AcceptRequests = 'manual' | 'auto' | 'whitelist';

export interface KTransfer {
  communityId: string;
  id: string;
  /** incoming: a peer's member pays this community's; outgoing: this community's pays a peer's. */
  direction: Direction;
  kind: 'payment' | 'request';
  state: KState;
  accountId: string;
  memberRef: string | null;
  peerCommunityId: string;
  remoteHref: string;
  /** This community's units (stroops). */
  amount: bigint;
  description: string;
  transferId: string | null;
  hash: string | null;
  error: string | null;
  /** A request asking for the return of this core transfer (disputed: refused by its payee's server). */
  returnsTransferId: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** The core transfer, when the code at hand has just settled or recorded it (never stored). */
  transfer?: Transfer;
}

export interface Policy {
  acceptRequests: AcceptRequests;
  /** Account URLs, or currency URLs (every account of that currency). */
  whitelist: string[];
}

const fromRow = (r: Record<string, unknown>): KTransfer => ({
  communityId: r.community_id as string,
  id: r.id as string,
  direction: r.direction as Direction,
  kind: r.kind as 'payment' | 'request',
  state: r.state as KState,
  accountId: r.account_id as string,
  memberRef: (r.member_ref as string | null) ?? null,
  peerCommunityId: r.peer_community_id as string,
  remoteHref: r.remote_href as string,
  amount: BigInt(r.amount as string),
  description: r.description as string,
  transferId: (r.transfer_id as string | null) ?? null,
  hash: (r.hash as string | null) ?? null,
  error: (r.error as string | null) ?? null,
  returnsTransferId: (r.returns_transfer_id as string | null) ?? null,
  createdAt: new Date(r.created_at as string),
  updatedAt: new Date(r.updated_at as string),
});

export type NewKTransfer = Omit<KTransfer, 'createdAt' | 'updatedAt' | 'transferId' | 'hash' | 'error' | 'memberRef' | 'returnsTransferId'>
  & Partial<Pick<KTransfer, 'transferId' | 'hash' | 'memberRef' | 'returnsTransferId'>>;

export interface TransferStore {
  get(communityId: string, id: string): Promise<KTransfer | null>;
  byHash(communityId: string, hash: string): Promise<KTransfer | null>;
  /** Insert, or return the row already there under this id (inside `trx` if given). */
  insert(t: NewKTransfer, trx?: Trx): Promise<KTransfer>;
  /** Change the state only if it is one of `from`; null if it was not. */
  move(communityId: string, id: string, from: KState[], patch: Partial<Pick<KTransfer, 'state' | 'transferId' | 'hash' | 'error' | 'amount'>>, trx?: Trx): Promise<KTransfer | null>;
  list(communityId: string, filter?: { state?: KState; kind?: 'payment' | 'request' }): Promise<KTransfer[]>;
  policy(communityId: string): Promise<Policy>;
  setPolicy(communityId: string, p: Policy): Promise<Policy>;
}

export function createTransferStore(db: Database): TransferStore {
  const inCommunity = <T>(communityId: string, trx: Trx | undefined, fn: (t: Trx) => Promise<T>) =>
    (trx ? fn(trx) : db.community(communityId, fn));

  return {
    async get(communityId, id) {
      const r = await db.community(communityId, (trx) => trx('komunitin_transfers').where({ community_id: communityId, id: id.toLowerCase() }).first());
      return r ? fromRow(r) : null;
    },
    async byHash(communityId, hash) {
      const r = await db.community(communityId, (trx) => trx('komunitin_transfers').where({ community_id: communityId, hash: hash.toLowerCase() }).first());
      return r ? fromRow(r) : null;
    },
    insert(t, trx) {
      return inCommunity(t.communityId, trx, async (q) => {
        const [row] = await q('komunitin_transfers').insert({
          community_id: t.communityId, id: t.id.toLowerCase(), direction: t.direction, kind: t.kind, state: t.state,
          account_id: t.accountId, member_ref: t.memberRef ?? null, peer_community_id: t.peerCommunityId,
          remote_href: t.remoteHref, amount: t.amount.toString(), description: t.description,
          transfer_id: t.transferId ?? null, hash: t.hash?.toLowerCase() ?? null, returns_transfer_id: t.returnsTransferId ?? null,
        }).onConflict(['community_id', 'id']).ignore().returning('*');
        return fromRow(row ?? await q('komunitin_transfers').where({ community_id: t.communityId, id: t.id.toLowerCase() }).first());
      });
    },
    move(communityId, id, from, patch, trx) {
      return inCommunity(communityId, trx, async (q) => {
        const [row] = await q('komunitin_transfers')
          .where({ community_id: communityId, id: id.toLowerCase() }).whereIn('state', from)
          .update({
            ...(patch.state ? { state: patch.state } : {}),
            ...(patch.transferId !== undefined ? { transfer_id: patch.transferId } : {}),
            ...(patch.hash !== undefined ? { hash: patch.hash?.toLowerCase() ?? null } : {}),
            ...(patch.error !== undefined ? { error: patch.error } : {}),
            ...(patch.amount !== undefined ? { amount: patch.amount.toString() } : {}),
            updated_at: new Date(),
          }).returning('*');
        return row ? fromRow(row) : null;
      });
    },
    async list(communityId, filter = {}) {
      const rows = await db.community(communityId, (trx) => trx('komunitin_transfers')
        .where({ community_id: communityId, ...(filter.state ? { state: filter.state } : {}), ...(filter.kind ? { kind: filter.kind } : {}) })
        .orderBy('created_at'));
      return rows.map(fromRow);
    },
    async policy(communityId) {
      const r = await db.community(communityId, (trx) => trx('komunitin_policies').where({ community_id: communityId }).first());
      return r ? { acceptRequests: r.accept_requests, whitelist: r.whitelist as string[] } : { acceptRequests: 'manual', whitelist: [] };
    },
    async setPolicy(communityId, p) {
      await db.community(communityId, (trx) => trx('komunitin_policies')
        .insert({ community_id: communityId, accept_requests: p.acceptRequests, whitelist: JSON.stringify(p.whitelist) })
        .onConflict('community_id').merge({ accept_requests: p.acceptRequests, whitelist: JSON.stringify(p.whitelist), updated_at: new Date() }));
      return p;
    },
  };
}
