/**
 * Transactions sellers post to the hub's txinput.php (ccs_transactions), keyed (seller
 * community, txid). A row is written before the buyer is asked and moves with
 * compare-and-set on its state, so two requests never run the same attempt and an
 * attempt whose outcome is lost is found and undone at the buyer.
 *
 *   forwarding → settled          buyer said 1, the transfer settled (amount = the new standing)
 *              → refused          the buyer or the ledger said no; nothing stands (resend: tried again)
 *              → accepted         buyer said 1, the transfer is still settling (finished by the sweep)
 *              → undoing → undone / settled   the buyer may hold what the ledger does not: edited back there
 */
import { Database, Trx } from '../../../src/db/database';
import { BaseModel } from '../../../src/db/model';

export type TxState = 'forwarding' | 'settled' | 'refused' | 'accepted' | 'undoing' | 'undone';
export const IN_FLIGHT: readonly TxState[] = ['forwarding', 'accepted', 'undoing'];

export class CcsTransaction extends BaseModel {
  static override tableName = 'ccs_transactions';
  static override idColumn = ['community_id', 'txid'];
  static override bigintColumns = ['amount', 'buyerAmount', 'pendingAmount', 'pendingBuyerAmount'];

  communityId!: string;
  txid!: string;
  buyerCommunityId!: string;
  buyerId!: string;
  description!: string;
  amount!: bigint;
  buyerAmount!: bigint;
  pendingAmount!: bigint;
  pendingBuyerAmount!: bigint;
  pendingDescription!: string;
  state!: TxState;
  code!: number | null;
  steps!: number;
  buyerName!: string;
  buyerEmail!: string;
  createdAt!: Date;
  updatedAt!: Date;
}

export interface TxStore {
  get(sellerCommunityId: string, txid: string): Promise<CcsTransaction | null>;
  /** A new row, or null when another request wrote this txid first. */
  insert(row: Partial<CcsTransaction>): Promise<CcsTransaction | null>;
  /** Move from one of `from`, or null if the row is no longer there (another request moved it). */
  move(t: CcsTransaction, from: readonly TxState[], p: Partial<CcsTransaction>, also?: (trx: Trx) => Promise<void>): Promise<CcsTransaction | null>;
  /** Rows left in flight since before `before` (a crash, a ledger that was slow). */
  stale(sellerCommunityId: string, before: Date): Promise<CcsTransaction[]>;
  /** Rows where the community sold or bought, for its totals. */
  ofCommunity(communityId: string): Promise<{ sold: CcsTransaction[]; bought: CcsTransaction[] }>;
}

export function createTxStore(db: Database): TxStore {
  return {
    get: (c, txid) => db.community(c, async (trx) => (await CcsTransaction.query(trx).findById([c, txid])) ?? null),
    insert: (row) => db.community(row.communityId!, async (trx) => {
      const [r] = await trx('ccs_transactions').insert(CcsTransaction.fromJson(row).$toDatabaseJson()).onConflict(['community_id', 'txid']).ignore().returning('*');
      return r ? CcsTransaction.fromDatabaseJson(r) : null;
    }),
    move: (t, from, p, also) => db.community(t.communityId, async (trx) => {
      const rows = await (CcsTransaction.query(trx).patch({ ...p, updatedAt: new Date() })
        .where({ community_id: t.communityId, txid: t.txid }).whereIn('state', [...from]).returning('*') as unknown as Promise<CcsTransaction[]>);
      if (rows.length !== 1) return null;
      await also?.(trx);
      return rows[0];
    }),
    stale: (c, before) => db.community(c, async (trx) => CcsTransaction.query(trx).where({ community_id: c }).whereIn('state', ['forwarding', 'accepted']).where('updated_at', '<', before).limit(500)),
    ofCommunity: (c) => db.community(c, async (trx) => ({
      sold: await CcsTransaction.query(trx).where({ community_id: c }),
      bought: await CcsTransaction.query(trx).where({ buyer_community_id: c }),
    })),
  };
}
