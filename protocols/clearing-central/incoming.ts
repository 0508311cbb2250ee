/**
 * A bill a CES member sends a member here, forwarded by Clearing Central: the buyer
 * pays the seller exchange's mirror community in one path payment, within every limit
 * on the way. A txid is a chain of steps, each a core transfer with its own key:
 *
 *   step 0   clearing-central|<seller nid>|<txid>          the bill as first sent
 *   step n   clearing-central|<seller nid>|<txid>|edit|<n> each later change of amount
 *
 * Each step's meta carries the amount the bill stands at once it is paid (its target);
 * a step moves the difference from what the last paid step left (buyer → exchange for
 * more, exchange → buyer for less; 0 reverses it all). A step the ledger refused moves
 * nothing, so sending the bill again retries it under the next key rather than being
 * answered "repeat" for something never paid. Keys are derived from the chain, so the
 * same request sent twice at once computes the same step and the core pays it once;
 * two different edits at once meet on one key, one wins, the other looks again.
 */
import {
  Account, Community, Party, Transfer, TransferError, audit, convert, isAccountError, isTransferError,
} from '../../src/core';
import { ProtocolDeps } from '../../src/protocol';
import { CcFailure, Code, transferCode } from './errors';
import { CcConnection, CcStore } from './store';
import { amountText } from './translate';

/** A forwarded bill, read and checked by the route. */
export interface Bill {
  txid: string;
  buyerNid: string;
  sellerNid: string;
  /** As it arrived (Clearing Central HTML-escapes it). */
  description: string;
  /** In the buyer's units (stroops); 0 only in an edit (a reversal). */
  amount: bigint;
  /** Only in a new bill: the buyer's account in this community. */
  buyerId?: string;
  seller: { id: string; name: string; email: string; xname: string; country: string };
}

export interface BillAnswer {
  buyerName: string;
  buyerEmail: string;
}

interface StepMeta {
  protocol: 'clearing-central';
  txid: string;
  seller_nid: string;
  step: number;
  /** What the bill stands at once this step is paid, buyer units (stroops). */
  target: string;
  buyer: string;
  description: string;
}

type Step = { t: Transfer; meta: StepMeta };

const PAID = new Set(['settled', 'delivered']);
const UNFINISHED = new Set(['new', 'quoted', 'submitted']);
/** Rounds of "someone else took this step, look again" before giving up with 9. */
const MAX_ROUNDS = 6;
/** How long a request waits for a step another request is paying. */
const WAIT_MS = 15_000;
/** A refused step 0 older than this when a forward finds it is an earlier attempt's: retried. */
const RETRY_MARGIN_MS = 1000;

export const incomingKey = (sellerNid: string, txid: string, step: number): string =>
  step === 0 ? `clearing-central|${sellerNid}|${txid}` : `clearing-central|${sellerNid}|${txid}|edit|${step}`;

const readMeta = (t: Transfer): StepMeta | null => {
  try {
    const m = JSON.parse(t.meta) as StepMeta;
    return m && m.protocol === 'clearing-central' && typeof m.target === 'string' ? m : null;
  } catch {
    return null;
  }
};

const ACCOUNT = /^[A-Z0-9_-]{1,32}$/;

export interface IncomingService {
  bill(conn: CcConnection, buyerCommunity: Community, b: Bill): Promise<BillAnswer>;
}

export function createIncomingService(deps: ProtocolDeps & { store: CcStore }): IncomingService {
  const { store, accounts, transfers, exchanges, logger, db } = deps;
  const firstTradeNoted = new Set<string>();

  /**
   * The rows every bill reads are kept for a moment (store.ts, CACHE_MS), as CXP keeps
   * its own: at 100 bills in flight, a transaction each for the exchange and the member
   * cost more than the payment. So a block or a new limit takes effect within CACHE_MS.
   */
  const importExport = (communityId: string): Promise<Party> => store.remember(`party:${communityId}`, () => exchanges.importExport(communityId));

  /** The steps so far, in order: keys are dense, so the chain ends at the first key not found. */
  const chain = async (communityId: string, b: Bill): Promise<Step[]> => {
    const out: Step[] = [];
    for (let n = 0; ; n++) {
      const t = await transfers.findByKey(communityId, incomingKey(b.sellerNid, b.txid, n));
      if (!t) return out;
      const meta = readMeta(t);
      // A key of ours whose meta is not: nothing here wrote it; refuse rather than guess.
      if (!meta) throw new CcFailure(Code.FaultyData, `transfer ${t.id} holds txid ${b.txid} but no Clearing Central step`);
      out.push({ t, meta });
    }
  };

  /** A step another request (or the last start) is paying: wait until it is final. */
  const waitFinal = async (communityId: string, t: Transfer): Promise<void> => {
    const until = Date.now() + WAIT_MS;
    let cur: Transfer | null = t;
    while (cur && UNFINISHED.has(cur.state)) {
      if (Date.now() > until) throw new CcFailure(Code.ServerError, `transfer ${t.id} is still being settled; resend later`);
      await new Promise((r) => setTimeout(r, 50));
      cur = await transfers.get(communityId, t.id);
    }
  };

  const member = async (c: Community, code: string): Promise<Account> => {
    const ref = code.trim().toUpperCase();
    const a = ACCOUNT.test(ref) ? await store.remember(`account:${c.id}:${ref}`, async () => accounts.get(c, ref)) : null;
    if (!a || isAccountError(a) || a.kind !== 'member') throw new CcFailure(Code.UnknownAccount, `no member ${code} in ${c.code}`);
    return a;
  };

  const stepMeta = (b: Bill, n: number, buyer: Account): StepMeta => ({
    protocol: 'clearing-central', txid: b.txid, seller_nid: b.sellerNid, step: n, target: b.amount.toString(),
    buyer: buyer.code, description: b.description,
  });

  const rate = (c: Community) => ({ n: c.rateN, d: c.rateD });

  /**
   * A bill as first forwarded (it names its buyer): step 0 is tried at once, with no
   * lookup first — the core finds it by key if it exists. The same forward again finds
   * the same step (same request): it is a retransmission of the first forward, answered
   * as that was, even after edits (an edit never names the buyer). Only what the core
   * cannot settle this way (another amount: a conflict; an old refusal to retry; a
   * payment in flight) goes the slow way, through the chain. Null: go the slow way.
   */
  const firstForward = async (buyer: Party, seller: Party, b: Bill, ex: { nid: string }): Promise<Transfer | null> => {
    const since = Date.now();
    const amount = convert(b.amount, rate(buyer.community), rate(seller.community), 'down');
    if (amount <= 0n) throw new CcFailure(Code.FaultyData, `${amountText(b.amount)} is less than the smallest unit of ${ex.nid}'s currency`);
    const t = await transfers.settle({ idempotencyKey: incomingKey(b.sellerNid, b.txid, 0), payer: buyer, payee: seller, amount, meta: JSON.stringify(stepMeta(b, 0, buyer.account)) });
    if (t === TransferError.IdempotencyConflict) return null;
    if (isTransferError(t)) throw new CcFailure(transferCode(t), `transfer refused: ${t}`);
    if (PAID.has(t.state)) return t;
    // Refused by an earlier forward (older than this request, with a margin for clocks): retried as the next step.
    if ((t.state === 'rejected' || t.state === 'failed') && new Date(t.createdAt).getTime() < since - RETRY_MARGIN_MS) return null;
    if (UNFINISHED.has(t.state)) return null;
    throw new CcFailure(transferCode(t.errorCode ?? ''), `transfer ${t.id} ${t.state}: ${t.errorCode ?? ''}`);
  };

  const paidNow = async (exCommunityId: string, b: Bill, n: number, t: Transfer) => {
    if (!firstTradeNoted.has(exCommunityId)) {
      // A record for the governing body: the payment stands whether or not it is written.
      await exchanges.noteTrade(exCommunityId).then(() => firstTradeNoted.add(exCommunityId), () => undefined);
    }
    logger.debug({ txid: b.txid, seller: b.sellerNid, step: n, transfer: t.id }, 'clearing central bill paid');
  };

  const answer = (a: Account): BillAnswer => ({ buyerName: a.code, buyerEmail: '' });

  return {
    async bill(conn, buyerCommunity, b) {
      if (b.buyerNid !== conn.nid) throw new CcFailure(Code.FaultyData, `buyer_nid ${b.buyerNid} is not ${buyerCommunity.code}'s NID (${conn.nid})`);
      const ex = await store.exchangeByNid(b.sellerNid);
      if (!ex) {
        await store.notePending(buyerCommunity.id, { nid: b.sellerNid, name: b.seller.xname, country: b.seller.country });
        throw new CcFailure(Code.Denied, `CES exchange ${b.sellerNid} is not admitted; it is listed as a pending admission`);
      }
      if (!conn.acceptBills) throw new CcFailure(Code.Denied, `${buyerCommunity.code} does not accept bills through Clearing Central`);
      const seller = await importExport(ex.communityId);
      if (buyerCommunity.status !== 'active' || seller.community.status !== 'active') throw new CcFailure(Code.Denied, 'a community of this bill is blocked');

      if (b.buyerId !== undefined) {
        const account = await member(buyerCommunity, b.buyerId);
        if (account.status !== 'active') throw new CcFailure(Code.Denied, `account ${account.code} is blocked`);
        const t = await firstForward({ community: buyerCommunity, account }, seller, b, ex);
        if (t) {
          await paidNow(ex.communityId, b, 0, t);
          return answer(account);
        }
      }

      for (let round = 0; round < MAX_ROUNDS; round++) {
        const steps = await chain(buyerCommunity.id, b);
        const last = steps.at(-1);
        if (last && UNFINISHED.has(last.t.state)) {
          await waitFinal(buyerCommunity.id, last.t);
          continue;
        }
        const paid = [...steps].reverse().find((s) => PAID.has(s.t.state));
        const applied = paid ? BigInt(paid.meta.target) : 0n;
        if (steps.length === 0 && b.buyerId === undefined) throw new CcFailure(Code.FaultyData, `txid ${b.txid} is unknown here and names no buyer_id`);
        const buyerAccount = await member(buyerCommunity, steps[0]?.meta.buyer ?? b.buyerId!);
        if (steps.length > 0 && b.buyerId !== undefined && (await member(buyerCommunity, b.buyerId)).id !== buyerAccount.id) {
          throw new CcFailure(Code.FaultyData, `txid ${b.txid} was billed to another account`);
        }
        if (buyerAccount.status !== 'active') throw new CcFailure(Code.Denied, `account ${buyerAccount.code} is blocked`);
        const buyer: Party = { community: buyerCommunity, account: buyerAccount };

        if (b.amount === applied) {
          // Nothing to move: a repeat of what stands (paid once, answered 1 again), or a
          // reversal of a bill never paid.
          if (!paid) throw new CcFailure(Code.FaultyData, `txid ${b.txid}: amount 0 but nothing was paid`);
          if (b.description !== paid.meta.description) {
            await db.hub((trx) => audit(trx, {
              actor: `clearing-central:${b.sellerNid}`, action: 'clearing-central.bill.describe', subject: `transfer:${paid.t.id}`,
              before: { description: paid.meta.description }, after: { description: b.description },
            }));
          }
          return answer(buyerAccount);
        }

        const n = steps.length;
        const diff = b.amount - applied;
        const meta = stepMeta(b, n, buyerAccount);
        // More: the buyer pays the exchange what that is in its units. Less: the exchange
        // pays the buyer back the difference in the buyer's own units, exactly.
        const req = diff > 0n
          ? { payer: buyer, payee: seller, amount: convert(diff, rate(buyerCommunity), rate(seller.community), 'down') }
          : { payer: seller, payee: buyer, amount: -diff };
        if (req.amount <= 0n) throw new CcFailure(Code.FaultyData, `${amountText(diff < 0n ? -diff : diff)} is less than the smallest unit of ${ex.nid}'s currency`);
        const t = await transfers.settle({ idempotencyKey: incomingKey(b.sellerNid, b.txid, n), ...req, meta: JSON.stringify(meta) });
        if (t === TransferError.IdempotencyConflict) continue;
        if (isTransferError(t)) throw new CcFailure(transferCode(t), `transfer refused: ${t}`);
        if (UNFINISHED.has(t.state)) throw new CcFailure(Code.ServerError, `transfer ${t.id} could not reach the ledger yet; it is retried`);
        if (!PAID.has(t.state)) throw new CcFailure(transferCode(t.errorCode ?? ''), `transfer ${t.id} ${t.state}: ${t.errorCode ?? ''}`);
        if (n > 0) {
          await db.hub((trx) => audit(trx, {
            actor: `clearing-central:${b.sellerNid}`, action: applied > 0n && b.amount === 0n ? 'clearing-central.bill.reverse' : 'clearing-central.bill.edit',
            subject: `clearing-central:${b.sellerNid}/${b.txid}`,
            before: { amount: applied }, after: { amount: b.amount, transfer: t.id, description: b.description },
          }));
        }
        await paidNow(ex.communityId, b, n, t);
        return answer(buyerAccount);
      }
      throw new CcFailure(Code.ServerError, `txid ${b.txid} is being changed by other requests; resend later`);
    },
  };
}
