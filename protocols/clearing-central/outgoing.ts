/**
 * A bill a member here sends a CES member, through Clearing Central (seller-initiated,
 * the only way the protocol knows: nobody here can *pay* a CES member directly). The
 * bill is written first (`sending`), with a fresh UUID txid never reused; then
 * txinput.php is posted. On `response=1` the CES exchange's mirror community pays the
 * seller (one path payment, key clearing-central|<our nid>|<txid>). A definite refusal
 * is `refused` with its code. Anything else — no answer, garbage, or 6 for a txid sent
 * for the first time — is `unknown`: Clearing Central may have it or not, so the bill
 * is never shown as paid or failed until reconciliation resolves it (send the same
 * txid again, or the governing body's decision after asking Clearing Central).
 */
import crypto from 'node:crypto';
import { Account, Party, Transfer, audit, isTransferError, isLedgerError, transferErrorMessage } from '../../src/core';
import { BaseModel } from '../../src/db/model';
import { ProtocolDeps } from '../../src/protocol';
import { CcClient } from './client';
import { Code, codeMessage } from './errors';
import { CcConnection, CcStore, CesExchange } from './store';
import { amountText } from './translate';

export type BillState = 'sending' | 'accepted' | 'paid' | 'refused' | 'unknown';

export class CcBill extends BaseModel {
  static override tableName = 'cc_bills';
  static override idColumn = ['community_id', 'txid'];
  static override bigintColumns = ['amount'];

  communityId!: string;
  txid!: string;
  sellerAccountId!: string;
  buyerCommunityId!: string;
  buyerId!: string;
  amount!: bigint;
  description!: string;
  state!: BillState;
  code!: number | null;
  message!: string;
  transferId!: string | null;
  attempts!: number;
  createdAt!: Date;
  updatedAt!: Date;
}

/** Why a bill is not sent at all (nothing reaches Clearing Central). */
export class BillRefusal extends Error {
  constructor(readonly reason: 'ledger' | 'blocked', message: string) {
    super(message);
  }
}

export interface NewBill {
  seller: Party;
  conn: CcConnection;
  buyer: CesExchange;
  buyerId: string;
  amount: bigint;
  description: string;
}

export interface OutgoingService {
  send(b: NewBill, actor: string): Promise<CcBill>;
  /** Reconciliation of one open bill: ask again, or apply the governing body's decision. */
  resolve(communityId: string, txid: string, outcome: 'paid' | 'failed' | undefined, actor: string): Promise<CcBill | null>;
  list(communityId: string, state?: BillState): Promise<CcBill[]>;
  get(communityId: string, txid: string): Promise<CcBill | null>;
}

export const outgoingKey = (nid: string, txid: string): string => `clearing-central|${nid}|${txid}`;

export function createOutgoingService(deps: ProtocolDeps & { store: CcStore; client: CcClient }): OutgoingService {
  const { db, transfers, exchanges, accounts, communities, store, client, logger } = deps;

  const patch = (b: CcBill, p: Partial<CcBill>): Promise<CcBill> => db.community(b.communityId, async (trx) =>
    CcBill.query(trx).patchAndFetchById([b.communityId, b.txid], { ...p, updatedAt: new Date() }));

  const get = (communityId: string, txid: string) => db.community(communityId, async (trx) => (await CcBill.query(trx).findById([communityId, txid])) ?? null);

  /** The fields of txinput.php for this bill, the same at every attempt (a re-send is a repeat, never an edit). */
  const fields = async (b: CcBill, conn: CcConnection, seller: Account, buyer: CesExchange, password: string): Promise<Array<[string, string]>> => [
    ['txid', b.txid], ['password', password], ['description', b.description], ['amount', amountText(b.amount)],
    ['buyer_id', b.buyerId], ['buyer_nid', buyer.nid], ['seller_id', seller.code], ['seller_nid', conn.nid],
    ['seller_name', seller.code], ['seller_email', ''],
  ];

  /** Clearing Central accepted: the exchange's mirror pays the seller. A payment that cannot settle now stays `accepted`. */
  const settle = async (b: CcBill, conn: CcConnection): Promise<CcBill> => {
    const payer = await exchanges.importExport(b.buyerCommunityId);
    const c = await communities.getById(b.communityId);
    const a = await accounts.getById(b.communityId, b.sellerAccountId);
    if (typeof c === 'string' || typeof a === 'string') throw new Error(`bill ${b.txid}: its seller is gone`);
    const t = await transfers.settle({
      idempotencyKey: outgoingKey(conn.nid, b.txid), payer, payee: { community: c, account: a }, amount: b.amount,
      meta: JSON.stringify({ protocol: 'clearing-central', direction: 'outgoing', txid: b.txid, buyer_id: b.buyerId, description: b.description }),
    });
    if (isTransferError(t)) return patch(b, { state: 'accepted', message: `Clearing Central accepted it; the payment here was refused (${transferErrorMessage[t]}); resolve it again` });
    if ((t as Transfer).state === 'settled' || (t as Transfer).state === 'delivered') return patch(b, { state: 'paid', transferId: t.id, message: 'paid' });
    return patch(b, { state: 'accepted', transferId: t.id, message: `Clearing Central accepted it; the payment here is ${t.state}${t.errorCode ? ` (${t.errorCode})` : ''}; resolve it again` });
  };

  /** One attempt at Clearing Central and what it means for the bill. */
  const attempt = async (b: CcBill, conn: CcConnection): Promise<CcBill> => {
    const seller = await accounts.getById(b.communityId, b.sellerAccountId);
    const buyer = await store.exchangeByCommunity(b.buyerCommunityId);
    if (typeof seller === 'string' || !buyer) throw new Error(`bill ${b.txid}: seller or buyer exchange is gone`);
    const password = (await store.password(b.communityId)).reveal();
    const first = b.attempts === 0;
    b = await patch(b, { attempts: b.attempts + 1 });
    const a = await client.txinput(conn.baseUrl, await fields(b, conn, seller, buyer, password));
    if (a.kind === 'lost') {
      logger.warn({ txid: b.txid, reason: a.reason }, 'clearing central answer lost: bill unknown there');
      return patch(b, { state: 'unknown', code: null, message: `no answer from Clearing Central (${a.reason.slice(0, 200)})` });
    }
    if (a.code === Code.Success) {
      const said = a.fields.get('amount');
      if (said !== undefined && said !== amountText(b.amount)) logger.warn({ txid: b.txid, said, sent: amountText(b.amount) }, 'clearing central echoed another amount');
      return settle(await patch(b, { state: 'accepted', code: a.code, message: 'accepted by Clearing Central' }), conn);
    }
    if (a.code === Code.Repeat) {
      // A txid of ours is fresh: 6 means an earlier attempt reached Clearing Central, and
      // the original answers 6 also when that attempt failed. Only asking can tell.
      return patch(b, {
        state: 'unknown', code: a.code,
        message: first ? 'Clearing Central says it has this txid already (6) although it is new: ask Clearing Central, then resolve'
          : 'Clearing Central has this bill from an earlier attempt (6) and does not say whether it was completed: ask the CES exchange or Clearing Central, then resolve as paid or failed',
      });
    }
    return patch(b, { state: 'refused', code: a.code, message: codeMessage[a.code] ?? `code ${a.code}` });
  };

  return {
    async send(nb, actor) {
      if (nb.seller.community.status !== 'active' || nb.seller.account.status !== 'active') throw new BillRefusal('blocked', 'the seller\'s community or account is blocked');
      const payer = await exchanges.importExport(nb.buyer.communityId);
      if (payer.community.status !== 'active') throw new BillRefusal('blocked', `CES exchange ${nb.buyer.nid} is blocked here`);
      // Asked before Clearing Central is: a bill the payment here could not follow is not sent.
      const q = await transfers.quote(payer, nb.seller, nb.amount);
      if (isTransferError(q) || isLedgerError(q)) throw new BillRefusal('ledger', `the payment from ${nb.buyer.nid} to ${nb.seller.account.code} would be refused here: ${transferErrorMessage[q]}`);
      const b = await db.community(nb.seller.community.id, async (trx) => {
        const row = await CcBill.query(trx).insertAndFetch({
          communityId: nb.seller.community.id, txid: crypto.randomUUID(), sellerAccountId: nb.seller.account.id,
          buyerCommunityId: nb.buyer.communityId, buyerId: nb.buyerId, amount: nb.amount, description: nb.description, state: 'sending',
        });
        await audit(trx, {
          actor, action: 'clearing-central.bill.send', subject: `clearing-central-bill:${row.txid}`,
          after: { seller: `${nb.seller.community.code}/${nb.seller.account.code}`, buyer: `${nb.buyer.nid}/${nb.buyerId}`, amount: nb.amount, description: nb.description },
        });
        return row;
      });
      return attempt(b, nb.conn);
    },

    async resolve(communityId, txid, outcome, actor) {
      const b = await get(communityId, txid);
      if (!b) return null;
      if (b.state === 'paid' || b.state === 'refused') return b;
      const conn = await store.connection(communityId);
      if (!conn) throw new Error(`bill ${txid}: its community is no longer connected`);
      if (outcome) await db.hub((trx) => audit(trx, { actor, action: `clearing-central.bill.resolve-${outcome}`, subject: `clearing-central-bill:${txid}`, before: { state: b.state, code: b.code }, after: { outcome } }));
      if (outcome === 'failed') {
        if (b.state === 'accepted') throw new BillRefusal('ledger', 'Clearing Central accepted this bill: the CES member was billed, so it can only be paid');
        return patch(b, { state: 'refused', code: null, message: `resolved as failed by ${actor}` });
      }
      if (outcome === 'paid' || b.state === 'accepted') return settle(await patch(b, { state: 'accepted' }), conn);
      return attempt(b, conn);
    },

    list: (communityId, state) => db.community(communityId, async (trx) => {
      const q = CcBill.query(trx).orderBy('created_at', 'desc').limit(500);
      if (state) q.where({ state });
      return q;
    }),

    get,
  };
}

