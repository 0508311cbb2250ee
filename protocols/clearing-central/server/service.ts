/**
 * The hub as a Clearing Central: what txinput.php and txeditinput.php do, without HTTP.
 * A seller exchange's transaction becomes one transfer, buyer → seller:
 *
 *  1. authenticate the seller (password against its scrypt hash → 10; caller address
 *     against its allowlist → 11) — before the repeat check, unlike the original;
 *  2. a known txid: the same description and amount settled → answered 1 again (once
 *     paid, never twice); an attempt that failed → tried again; another amount or
 *     description → an edit (amount 0: a delete), a compensating transfer of the difference;
 *  3. the buyer's NID (3), its data_url (7), both rates (8), the amount (5);
 *  4. quote the payment within every limit, counting what other transactions between
 *     the same two exchanges have reserved but not settled yet (4 before anything is sent);
 *  5. a buyer served here: forward to its data_url; on `1` settle; if settling then
 *     fails, or the reply is lost after it was sent, the buyer is told to edit it back
 *     (to 0 for a new one) through the durable outbox. A buyer that is a community of
 *     the hub: its member pays at once.
 */
import {
  Account, Community, CommunityService, ExchangeService, Party, Transfer, TransferError, TransferService,
  isAccountError, isCommunityError, isLedgerError, isTransferError, AccountService, DeliveryService,
} from '../../../src/core';
import { Logger } from '../../../src/logger';
import { Allowlist, allowlist } from '../allowlist';
import { Code, transferCode } from '../errors';
import { amountText, readAmount } from '../translate';
import { buyerAmount } from './convert';
import { Forwarder, htmlEscape } from './forward';
import { CcsMember, Registry, isServed } from './registry';
import { CcsTransaction, IN_FLIGHT, TxStore } from './transactions';

export type Fields = Map<string, string>;
/** A reply to the seller: its fields in the original's order. */
export type Reply = Array<[string, string]>;

/** The outbox job that edits a transaction back at the buyer (undo.ts). */
export const UNDO = 'clearing-central.server.undo';

const TXID = /^[\x21-\x7b\x7d\x7e]{1,64}$/;
const NID = /^cen[0-9]{4}$/;
const MAX_TEXT = 255;
const ACCOUNT = /^[A-Z0-9_-]{1,32}$/;
const PAID = new Set(['settled', 'delivered']);
const UNFINISHED = new Set(['new', 'quoted', 'submitted']);

export const serverKey = (sellerNid: string, txid: string, step: number): string => `clearing-central-server|${sellerNid}|${txid}|${step}`;

/** A refusal before or instead of a forward: the code and the fields of its reply. */
class Refusal extends Error {
  constructor(readonly code: Code, readonly reason: string, readonly extra: Reply = []) {
    super(reason);
  }
}

export interface ServerService {
  txinput(f: Fields, ip: string): Promise<{ reply: Reply; reason?: string }>;
  txedit(f: Fields, ip: string): Promise<{ reply: Reply; reason?: string }>;
  /** Check credentials as logon.php does; the member when they are right. */
  logon(nid: string, password: string): Promise<CcsMember | null>;
  /** Finish what a crash or a slow ledger left in flight (undo.ts's sweep). */
  finishStale(sellerCommunityId: string, olderThanMs: number): Promise<number>;
}

export interface ServerDeps {
  registry: Registry;
  txs: TxStore;
  forwarder: Forwarder;
  transfers: TransferService;
  exchanges: ExchangeService;
  communities: CommunityService;
  accounts: AccountService;
  deliveries: DeliveryService;
  logger: Logger;
  checkPassword(password: string, stored: string | null): Promise<boolean>;
}

export function createServerService(deps: ServerDeps): ServerService {
  const { registry, txs, forwarder, transfers, exchanges, communities, accounts, logger } = deps;
  const allowlists = new Map<string, { key: string; list: Allowlist }>();
  /** What transactions in flight between two communities have reserved (payer > payee, payee units). */
  const reserved = new Map<string, bigint>();
  /** One request per (seller, txid) at a time in this process; the database's compare-and-set covers others. */
  const locks = new Map<string, Promise<unknown>>();

  const community = async (id: string): Promise<Community> => {
    const c = await communities.getById(id);
    if (isCommunityError(c)) throw new Error(`community ${id} is gone`);
    return c;
  };

  const allows = (m: CcsMember, ip: string): boolean => {
    const key = m.allowedIps.join(',');
    let hit = allowlists.get(m.nid);
    if (!hit || hit.key !== key) {
      hit = { key, list: allowlist(m.allowedIps) };
      allowlists.set(m.nid, hit);
    }
    return hit.list.allows(ip);
  };

  const text = (f: Fields, k: string): string => (f.get(k) ?? '').slice(0, MAX_TEXT);

  /** The seller, authenticated: 10 for an unknown NID or a wrong password, 11 for the address. */
  const authenticate = async (nid: string, password: string, ip: string): Promise<CcsMember> => {
    const m = NID.test(nid) ? await registry.byNid(nid) : null;
    const ok = await deps.checkPassword(password, m && isServed(m) ? m.passwordHash : null);
    if (!m || !ok || password === '') throw new Refusal(Code.WrongPassword, `wrong password or no exchange ${nid.slice(0, 16)}`);
    if (!allows(m, ip)) throw new Refusal(Code.UnknownCaller, `caller ${ip} is not in ${nid}'s allowlist`);
    if (!m.active) throw new Refusal(Code.Denied, `exchange ${nid} is blocked`);
    return m;
  };

  /** The buyer's side of the payment: a served exchange's import-export account, or a member here. */
  const buyerParty = async (buyer: CcsMember, buyerId: string): Promise<Party> => {
    if (isServed(buyer)) return exchanges.importExport(buyer.communityId);
    const c = await community(buyer.communityId);
    const ref = buyerId.trim().toUpperCase();
    const a = ACCOUNT.test(ref) ? await accounts.get(c, ref) : null;
    if (!a || isAccountError(a) || (a as Account).kind !== 'member') throw new Refusal(Code.UnknownAccount, `no member ${buyerId.slice(0, 40)} in ${c.code}`, [['buyer_id', buyerId], ['buyer_xname', buyer.name]]);
    return { community: c, account: a as Account };
  };

  const reserveKey = (payer: Party, payee: Party) => `${payer.community.id}>${payee.community.id}`;

  /** Quote within limits, counting what is reserved on the same pair, and reserve; the release function. */
  const reserve = async (payer: Party, payee: Party, amount: bigint): Promise<() => void> => {
    const key = reserveKey(payer, payee);
    const before = reserved.get(key) ?? 0n;
    reserved.set(key, before + amount);
    const release = () => {
      const left = (reserved.get(key) ?? 0n) - amount;
      if (left <= 0n) reserved.delete(key);
      else reserved.set(key, left);
    };
    const q = await transfers.quote(payer, payee, before + amount);
    if (isTransferError(q) || isLedgerError(q)) {
      release();
      throw new Refusal(transferCode(q), `the payment ${payer.community.code} → ${payee.community.code} is refused: ${q}`);
    }
    return release;
  };

  const successNew = (t: CcsTransaction, seller: CcsMember, buyer: CcsMember, f: { sellerId: string }): Reply => [
    ['txid', t.txid], ['response', '1'], ['buyer_nid', buyer.nid], ['buyer_xname', buyer.name], ['buyer_country', buyer.country],
    ['buyer_id', t.buyerId], ['buyer_name', t.buyerName], ['buyer_email', t.buyerEmail], ['seller_nid', seller.nid], ['seller_id', f.sellerId],
    ['description', t.description], ['amount', amountText(t.amount)],
  ];

  /** An undo is written with the state that calls for it: the buyer is edited back to what stands. */
  const undoing = (t: CcsTransaction, code: number) => txs.move(t, ['forwarding', 'accepted'], { state: 'undoing', code }, (trx) =>
    deps.deliveries.enqueue(trx, { communityId: t.communityId, kind: UNDO, target: `txid:${t.txid}`, payload: { txid: t.txid } }))
    .then((r) => { deps.deliveries.wake(); return r; });

  /** The transfer of an attempt the buyer accepted: buyer → seller for more, seller → buyer for less. */
  const settleStep = async (t: CcsTransaction, seller: CcsMember, buyer: CcsMember, payer: Party, payee: Party, amount: bigint): Promise<Transfer | TransferError> => transfers.settle({
    idempotencyKey: serverKey(seller.nid, t.txid, t.steps), payer, payee, amount,
    meta: JSON.stringify({ protocol: 'clearing-central', role: 'server', txid: t.txid, seller_nid: seller.nid, buyer_nid: buyer.nid, step: t.steps, description: t.pendingDescription }),
  });

  /** The attempt's transfer is final: the row with it. */
  const applyTransfer = async (t: CcsTransaction, tr: Transfer | TransferError): Promise<CcsTransaction> => {
    if (!isTransferError(tr) && PAID.has(tr.state)) {
      const done = await txs.move(t, ['forwarding', 'accepted'], {
        state: 'settled', code: 1, amount: t.pendingAmount, buyerAmount: t.pendingBuyerAmount, description: t.pendingDescription, steps: t.steps + 1,
      });
      if (!done) throw new Refusal(Code.ServerError, `txid ${t.txid} moved under us`);
      return done;
    }
    if (!isTransferError(tr) && UNFINISHED.has(tr.state)) {
      return (await txs.move(t, ['forwarding'], { state: 'accepted', code: 1 })) ?? t;
    }
    const code = isTransferError(tr) ? transferCode(tr) : transferCode(tr.errorCode ?? '');
    if (!isTransferError(tr)) await txs.move(t, ['forwarding', 'accepted'], { steps: t.steps + 1 }).then((r) => { if (r) t = r; });
    if (isServed(await registry.byCommunity(t.buyerCommunityId) ?? ({ dataUrl: null } as CcsMember))) {
      await undoing(t, code);
    } else {
      await txs.move(t, ['forwarding', 'accepted'], { state: 'refused', code });
    }
    throw new Refusal(code, `the transfer of txid ${t.txid} was refused (${isTransferError(tr) ? tr : tr.errorCode}); ${t.amount === t.pendingAmount ? '' : 'the buyer is told to edit it back'}`);
  };

  /** Forward one attempt (a row just moved to `forwarding`) and carry out what the buyer says. */
  const attempt = async (t: CcsTransaction, seller: CcsMember, buyer: CcsMember, isNew: boolean, f: { sellerId: string; fields: Fields }): Promise<Reply> => {
    const sellerC = await community(seller.communityId);
    const buyerC = await community(buyer.communityId);
    const sellerParty = await exchanges.importExport(seller.communityId);
    const buyerP = await buyerParty(buyer, t.buyerId).catch(async (e) => {
      await txs.move(t, ['forwarding'], { state: 'refused', code: e instanceof Refusal ? e.code : Code.ServerError });
      throw e;
    });
    const diff = t.pendingAmount - t.amount;
    const [payer, payee, amount] = diff >= 0n
      ? [buyerP, sellerParty, diff] as const
      : [sellerParty, buyerP, t.buyerAmount - t.pendingBuyerAmount] as const;
    let release = () => {};
    if (amount > 0n) {
      release = await reserve(payer, payee, amount).catch(async (e) => {
        await txs.move(t, ['forwarding'], { state: 'refused', code: e instanceof Refusal ? e.code : Code.ServerError });
        throw e;
      });
    }
    try {
      if (isServed(buyer)) {
        const fields: Reply = [
          ['txid', t.txid], ['buyer_nid', buyer.nid], ['seller_nid', seller.nid], ['description', htmlEscape(t.pendingDescription)], ['amount', amountText(t.pendingBuyerAmount)],
          ...(isNew ? [
            ['seller_xname', seller.name], ['seller_country', seller.country], ['seller_id', f.sellerId], ['seller_name', text(f.fields, 'seller_name')],
            ['seller_email', text(f.fields, 'seller_email')], ['buyer_id', t.buyerId],
          ] as Reply : []),
          ...(f.fields.get('no_levy') === '1' ? [['no_levy', '1']] as Reply : []),
        ];
        const o = await forwarder.forward(buyer.dataUrl!, buyer.requestFormat ?? 'post', fields);
        if (o.kind !== 'answer') {
          const code = o.kind === 'unreachable' ? Code.ConnectFailed : o.kind === 'garbage' ? Code.Failure : Code.CannotConnect;
          // Sent and not understood: the buyer may hold it, so it is edited back there.
          if (o.kind === 'garbage' || (o.kind === 'timeout' && o.reached)) await undoing(t, code);
          else await txs.move(t, ['forwarding'], { state: 'refused', code });
          throw new Refusal(code, `forward to ${buyer.nid}: ${o.kind}: ${o.reason}`, [['txid', t.txid]]);
        }
        if (o.code !== Code.Success) {
          await txs.move(t, ['forwarding'], { state: 'refused', code: o.code });
          throw new Refusal(o.code, `buyer ${buyer.nid} answered ${o.code}`, o.code === Code.UnknownAccount
            ? [['txid', t.txid], ['buyer_id', t.buyerId], ['buyer_xname', buyer.name]] : [['txid', t.txid], ['buyer_nid', buyer.nid]]);
        }
        t = (await txs.move(t, ['forwarding'], { buyerName: o.buyerName, buyerEmail: o.buyerEmail })) ?? t;
      } else {
        t = (await txs.move(t, ['forwarding'], { buyerName: buyerP.account.code, buyerEmail: '' })) ?? t;
      }
      const done = amount > 0n ? await applyTransfer(t, await settleStep(t, seller, buyer, payer, payee, amount))
        : (await txs.move(t, ['forwarding'], { state: 'settled', code: 1, amount: t.pendingAmount, buyerAmount: t.pendingBuyerAmount, description: t.pendingDescription }))!;
      if (done.state !== 'settled') throw new Refusal(Code.ServerError, `txid ${t.txid}: the buyer accepted; the payment is still settling: resend later`, [['txid', t.txid]]);
      logger.debug({ txid: t.txid, seller: seller.nid, buyer: buyer.nid, sellerC: sellerC.code, buyerC: buyerC.code }, 'clearing central transaction settled');
      return isNew ? successNew(done, seller, buyer, f) : [['txid', done.txid], ['response', '1']];
    } finally {
      release();
    }
  };

  /** Start an attempt on a row: insert a new one, or move a final one to `forwarding`. */
  const begin = async (existing: CcsTransaction | null, row: Partial<CcsTransaction>): Promise<CcsTransaction> => {
    const t = existing
      ? await txs.move(existing, ['settled', 'refused', 'undone'], { ...row, state: 'forwarding', code: null })
      : await txs.insert({ ...row, state: 'forwarding' });
    if (!t) throw new Refusal(Code.ServerError, `txid ${row.txid} is being processed by another request: resend later`, [['txid', row.txid ?? '']]);
    return t;
  };

  /** A known txid: repeat, retry, edit or delete. */
  const change = async (t: CcsTransaction, seller: CcsMember, amount: bigint, description: string, f: { sellerId: string; fields: Fields }): Promise<Reply> => {
    const buyer = await registry.byCommunity(t.buyerCommunityId);
    if (!buyer) throw new Refusal(Code.UnknownNid, `the buyer of txid ${t.txid} is no longer registered`, [['txid', t.txid]]);
    if (t.state === 'accepted') {
      const tr = await transfers.findByKey(t.communityId, serverKey(seller.nid, t.txid, t.steps));
      if (tr && PAID.has(tr.state)) t = await applyTransfer(t, tr);
    }
    if (IN_FLIGHT.includes(t.state)) throw new Refusal(Code.ServerError, `txid ${t.txid} is ${t.state}: resend later`, [['txid', t.txid]]);
    const sameAsStanding = t.amount === amount && t.description === description;
    // Nothing ever stood at the buyer (every attempt failed or was undone): tried again as new.
    const neverStood = t.amount === 0n && t.state !== 'settled';
    if (t.state === 'settled' && sameAsStanding) {
      // Settled already: the same answer as the first time, and nothing paid again.
      return successNew(t, seller, buyer, f);
    }
    if (neverStood && amount === 0n) throw new Refusal(Code.FaultyData, 'amount 0 for a transaction that never stood', [['txid', t.txid]]);
    const sellerC = await community(seller.communityId);
    const buyerC = await community(buyer.communityId);
    if (buyerC.rateN <= 0 || sellerC.rateN <= 0) throw new Refusal(Code.NoRate, 'no rate', [['txid', t.txid]]);
    const started = await begin(t, { pendingAmount: amount, pendingBuyerAmount: buyerAmount(sellerC, buyerC, amount), pendingDescription: description });
    // A new transaction that failed before is tried again as new (its buyer gets every field).
    return attempt(started, seller, buyer, neverStood, f);
  };

  const run = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const before = locks.get(key) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const tail = mine.catch(() => undefined);
    locks.set(key, tail);
    try {
      return await mine;
    } finally {
      if (locks.get(key) === tail) locks.delete(key);
    }
  };

  const answer = async (txid: string, fn: () => Promise<Reply>): Promise<{ reply: Reply; reason?: string }> => {
    try {
      return { reply: await fn() };
    } catch (e) {
      if (e instanceof Refusal) {
        const extra = e.extra.length > 0 ? e.extra : [['txid', txid]] as Reply;
        const [first, ...rest] = extra;
        // Early failures put response first (`response=10&txid=…`), buyer answers after the txid.
        const reply: Reply = first[0] === 'txid' ? [first, ['response', String(e.code)], ...rest] : [['response', String(e.code)], first, ...rest];
        return { reply, reason: e.reason };
      }
      throw e;
    }
  };

  const readAmountField = (f: Fields, zero: boolean): bigint => {
    const raw = (f.get('amount') ?? '').trim();
    const a = readAmount(raw, { zero });
    if (a === null) throw new Refusal(Code.FaultyData, `amount ${JSON.stringify(raw.slice(0, 40))} is not a positive decimal with at most 7 decimals`);
    return a;
  };

  const checkFields = (f: Fields) => {
    for (const v of f.values()) if (v.includes('\u0000')) throw new Refusal(Code.FaultyData, 'a field contains NUL');
  };

  return {
    async txinput(f, ip) {
      const given = f.get('txid') ?? '';
      return answer(given, async () => {
        checkFields(f);
        if (given !== '' && !TXID.test(given)) throw new Refusal(Code.FaultyData, 'txid is malformed');
        const seller = await authenticate((f.get('seller_nid') ?? '').trim().toLowerCase(), f.get('password') ?? '', ip);
        const sellerId = text(f, 'seller_id');
        const description = text(f, 'description');
        const ctx = { sellerId, fields: f };
        if (given !== '') {
          const known = await txs.get(seller.communityId, given);
          if (known) {
            const amount = readAmountField(f, true);
            return run(`${seller.nid}|${given}`, async () => change((await txs.get(seller.communityId, given)) ?? known, seller, amount, description, ctx));
          }
        }
        const buyerNid = (f.get('buyer_nid') ?? '').trim().toLowerCase();
        const buyer = NID.test(buyerNid) ? await registry.byNid(buyerNid) : null;
        if (!buyer || !buyer.active) throw new Refusal(Code.UnknownNid, `buyer_nid ${buyerNid.slice(0, 16)} is not recognised`, [['txid', given], ['buyer_nid', buyerNid.slice(0, 16)]]);
        if (buyer.communityId === seller.communityId) throw new Refusal(Code.FaultyData, 'the buyer is the seller\'s own exchange');
        if (isServed(buyer) && !/^https?:\/\//.test(buyer.dataUrl ?? '')) throw new Refusal(Code.UrlError, `${buyer.nid} has no data_url`, [['txid', given], ['buyer_nid', buyer.nid]]);
        const sellerC = await community(seller.communityId);
        const buyerC = await community(buyer.communityId);
        if (sellerC.rateN <= 0 || buyerC.rateN <= 0) throw new Refusal(Code.NoRate, 'conversion rate not set');
        const amount = readAmountField(f, false);
        const buyerId = text(f, 'buyer_id').trim();
        if (buyerId === '') throw new Refusal(Code.FaultyData, 'buyer_id is empty');
        const pendingBuyerAmount = buyerAmount(sellerC, buyerC, amount);
        if (pendingBuyerAmount <= 0n) throw new Refusal(Code.FaultyData, `${amountText(amount)} is less than 0.01 in ${buyer.nid}'s currency`);
        // The original's form of a generated txid: seller and buyer NID digits and a timestamp in microseconds.
        const txid = given !== '' ? given : `${seller.nid.slice(3)}${buyer.nid.slice(3)}${Date.now()}${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
        return run(`${seller.nid}|${txid}`, async () => {
          const again = await txs.get(seller.communityId, txid);
          if (again) return change(again, seller, amount, description, ctx);
          const t = await begin(null, {
            communityId: seller.communityId, txid, buyerCommunityId: buyer.communityId, buyerId, description, amount: 0n, buyerAmount: 0n,
            pendingAmount: amount, pendingBuyerAmount, pendingDescription: description,
          });
          return attempt(t, seller, buyer, true, ctx);
        });
      });
    },

    async txedit(f, ip) {
      const txid = f.get('txid') ?? '';
      return answer(txid, async () => {
        checkFields(f);
        if (txid === '') throw new Refusal(Code.NoTxid, 'no txid');
        if (!TXID.test(txid)) throw new Refusal(Code.FaultyData, 'txid is malformed');
        const action = f.get('action') ?? '';
        if (action !== 'upd' && action !== 'del') throw new Refusal(Code.FaultyData, 'action must be upd or del');
        // txeditinput.php names no seller: the txid is looked for among the exchanges the password opens.
        const password = f.get('password') ?? '';
        const sellerNid = (f.get('seller_nid') ?? '').trim().toLowerCase();
        const candidates = sellerNid !== '' ? [await registry.byNid(sellerNid)] : (await registry.list()).filter(isServed);
        let found: { seller: CcsMember; t: CcsTransaction } | null = null;
        let authenticated: CcsMember | null = null;
        for (const m of candidates) {
          if (!m || !isServed(m)) continue;
          const t = await txs.get(m.communityId, txid);
          if (!t) continue;
          authenticated = await authenticate(m.nid, password, ip);
          found = { seller: authenticated, t };
          break;
        }
        if (!found) {
          // Unknown txid: said only to an exchange that proves who it is.
          if (sellerNid !== '') await authenticate(sellerNid, password, ip);
          else if (!(await Promise.all(candidates.map((m) => deps.checkPassword(password, m?.passwordHash ?? null)))).some(Boolean)) {
            throw new Refusal(Code.WrongPassword, 'no exchange has this password');
          }
          throw new Refusal(Code.UnknownTxid, `no transaction ${txid}`);
        }
        const { seller, t } = found;
        const description = f.has('description') ? text(f, 'description') : t.description;
        const amount = action === 'del' ? 0n : f.has('amount') ? readAmountField(f, true) : t.amount;
        return run(`${seller.nid}|${txid}`, async () => change((await txs.get(seller.communityId, txid)) ?? t, seller, amount, description, { sellerId: '', fields: f }));
      });
    },

    async logon(nid, password) {
      const m = NID.test(nid) ? await registry.byNid(nid) : null;
      const ok = await deps.checkPassword(password, m && isServed(m) ? m.passwordHash : null);
      return m && ok && password !== '' && m.active ? m : null;
    },

    async finishStale(sellerCommunityId, olderThanMs) {
      let n = 0;
      for (const t of await txs.stale(sellerCommunityId, new Date(Date.now() - olderThanMs))) {
        const seller = await registry.byCommunity(t.communityId);
        if (!seller) continue;
        const tr = await transfers.findByKey(t.communityId, serverKey(seller.nid, t.txid, t.steps));
        if (tr && UNFINISHED.has(tr.state)) continue;
        if (tr || t.state === 'accepted') {
          // The buyer accepted and the transfer was made: the row only missed its outcome.
          await applyTransfer(t, tr ?? TransferError.NotReady).catch((e) => { if (!(e instanceof Refusal)) throw e; });
        } else {
          // Cut by a crash mid-forward: the buyer may hold it, the ledger does not.
          const buyer = await registry.byCommunity(t.buyerCommunityId);
          if (buyer && isServed(buyer)) await undoing(t, Code.ServerError);
          else await txs.move(t, ['forwarding'], { state: 'refused', code: Code.ServerError });
        }
        n++;
      }
      return n;
    },
  };
}
