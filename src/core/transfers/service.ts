/**
 * Durable transfers: every payment, whatever protocol asked for it, is one row with an
 * idempotency key and a state machine, settled on the ledger as one payment.
 *
 * Money is never lost or doubled:
 * - the same idempotency key returns the first transfer (a different request under the
 *   same key is refused), and one transfer is processed by one task at a time;
 * - the hash and envelope of every submission are committed before it is sent, so
 *   after a crash recovery asks the ledger what became of that exact envelope, and pays
 *   anew only once it can never apply; an envelope carrying several transfers is
 *   recorded for all of them in one database transaction (see `record`);
 * - state changes are compare-and-set on the expected state.
 */
import crypto from 'node:crypto';
import { Database } from '../../db/database';
import { TransferDelivery, createGroupedWriter } from './grouped-writes';
import { Delivery } from '../deliveries/model';
import { insertDelivery } from '../deliveries/service';
import { Logger } from '../../logger';
import { Keyring } from '../keys';
import { Ledger, LedgerError, PaymentOrder, Quote, isLedgerError } from '../ledger';
import { Account } from '../accounts/model';
import { Community, PEER } from '../communities/model';
import { currencyOf } from '../communities/currency';
import { CREDIT_LINES_TOPIC, CreditLineService } from '../credit-lines/service';
import { Rebalancer } from '../rebalancer';
import { TransferError, isTransferError } from './errors';
import { FINAL_STATES, Transfer, TransferState } from './model';
import { ownerGone } from '../processes';

export interface Party {
  community: Community;
  account: Account;
}

export interface TransferRequest {
  /** protocol|origin|foreign id (e.g. "cxp|EXCH|temp_id"). */
  idempotencyKey: string;
  payer: Party;
  payee: Party;
  /** What the payee receives, payee units (stroops). */
  amount: bigint;
  meta?: string;
  /**
   * Telling the other side: written in the transaction that creates the transfer, sent
   * once it is settled, cancelled if it is rejected.
   */
  delivery?: TransferDelivery;
}

/** A payment someone else already made on the ledger, to be recorded (not paid). */
export interface RecordRequest extends TransferRequest {
  /** What the payer paid, payer units. */
  sourceAmount: bigint;
  ledgerHash: string;
}

export interface TransferQuote {
  /** What the payer would pay, payer units. */
  sourceAmount: bigint;
  amount: bigint;
  path: string[];
}

/** A settled payment to an account on another server, which that server refused afterwards. */
export interface Disputed {
  transfer: Transfer;
  payer: Party;
  /** The peer community and its account the payment went to. */
  payee: Party;
  reason: string;
}

export interface TransferFilter {
  states?: TransferState[];
  /** The protocol that made it: the first part of its idempotency key (governance, cxp, komunitin, demo, …). */
  protocol?: string;
  /** Made at or after / before. */
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

export interface TransferService {
  /** What the payment would cost now; records nothing. */
  quote(payer: Party, payee: Party, amount: bigint): Promise<TransferQuote | TransferError | LedgerError>;
  /**
   * Create (or find, by idempotency key) and settle a transfer. Resolves with the
   * transfer in its state: `settled`, `rejected` (errorCode says why), or still
   * `new`/`submitted` if the ledger could not be reached or did not answer within
   * `waitMs` (it goes on, and is retried by resume()).
   */
  settle(req: TransferRequest): Promise<Transfer | TransferError>;
  /**
   * Record a payment already settled on the ledger (seen, not made, by the hub), once:
   * the same key returns the first record. Written as `settled`, with its delivery.
   */
  record(req: RecordRequest): Promise<Transfer | TransferError>;
  /**
   * Undo a settled transfer the other side refused: the payee pays the payer back what
   * the payer paid (its own transfer, key `compensation|<id>`), then this one ends
   * `compensated`. Idempotent; a compensation that cannot settle now is retried by resume().
   * When the hub does not hold the payee's keys (an account on a peer server) it cannot
   * pay back itself: the transfer ends `disputed` and the protocol that reaches that
   * server is asked for the money back (see returned()).
   */
  compensate(t: Transfer, reason: string): Promise<Transfer>;
  /** A disputed transfer's money came back (`by`: how): it ends `compensated`. Idempotent. */
  returned(communityId: string, id: string, by: string): Promise<Transfer | null>;
  get(communityId: string, id: string): Promise<Transfer | null>;
  findByKey(communityId: string, idempotencyKey: string): Promise<Transfer | null>;
  /** The transfers paid by or to a community, newest first, filtered; one more than `limit` tells there is a next page. */
  list(communityId: string, filter: TransferFilter): Promise<Transfer[]>;
  /** Finish every unfinished transfer no live process but this one drives (at start, and at reconciliation). */
  resume(): Promise<number>;
  /** Take over and finish the unfinished transfers of processes that died (periodically; core/processes.ts). */
  adopt(): Promise<number>;
}

/** The task's result if it ends within `ms` (always, without a bound), else null. */
async function within<T>(task: Promise<T>, ms: number | undefined): Promise<T | null> {
  if (ms === undefined) return task;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), ms); });
  try {
    return await Promise.race([task, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the database would refuse in a request's texts, found before it joins a group of writes. */
const NUL = '\u0000';
const storable = (req: { idempotencyKey: string; meta?: string; delivery?: TransferDelivery }): boolean =>
  !req.idempotencyKey.includes(NUL) && !(req.meta ?? '').includes(NUL)
  && !(req.delivery && (req.delivery.target.includes(NUL) || req.delivery.kind.includes(NUL) || JSON.stringify(req.delivery.payload ?? null).includes('\\u0000')));

export function requestHash(req: Omit<TransferRequest, 'idempotencyKey'>): string {
  return crypto.createHash('sha256').update(JSON.stringify([
    req.payer.account.id, req.payee.account.id, req.amount.toString(), req.meta ?? '',
  ])).digest('hex');
}

/** States before settlement: only the transfer's owner moves it on from these. */
const UNSETTLED: TransferState[] = ['new', 'quoted', 'submitted'];

export function createTransferService(deps: {
  db: Database; ledger: Ledger; keyring: Keyring; creditLines: CreditLineService; rebalancer: Rebalancer; logger: Logger;
  /**
   * This process (core/processes.ts): it owns the transfers it creates or takes over, and
   * only the owner moves an unfinished transfer on. Absent: a process of its own, alone.
   */
  processId?: string;
  loadParty(communityId: string, accountId: string): Promise<Party>;
  loadCommunity(id: string): Promise<Community>;
  communityByExternalIssuer(publicKey: string): Promise<Community | null>;
  /**
   * The delivery written with a new transfer, once the transfer is settled: a protocol
   * that answers its caller with the other side's answer then sends it without
   * reading back what was just written.
   */
  onDeliveryReady?: (d: Delivery) => void;
  /** Ask the payee's server, through its protocol, to pay a disputed transfer back (true once asked). */
  reclaim?: (d: Disputed) => Promise<boolean>;
  /**
   * Longest a settle() waits for the ledger (TRANSFER_WAIT_MS); then it answers with the
   * transfer as it is, still `new` or `submitted`, and the payment goes on. Unset: wait
   * for the end.
   */
  waitMs?: number;
}): TransferService {
  const { db, ledger, keyring, creditLines, rebalancer, logger } = deps;

  /** Best effort: a return not asked for now is asked for again when the hub resumes. */
  const reclaim = async (t: Transfer, reason: string): Promise<void> => {
    try {
      const payer = await deps.loadParty(t.communityId, t.payerAccountId);
      const payee = await deps.loadParty(t.payeeCommunityId, t.payeeAccountId);
      const asked = deps.reclaim ? await deps.reclaim({ transfer: t, payer, payee, reason }) : false;
      if (!asked) logger.warn({ transfer: t.id }, 'the return of a disputed transfer could not be asked for now; asked again at the next start');
    } catch (err) {
      logger.error({ err, transfer: t.id }, 'asking for the return of a disputed transfer failed');
    }
  };
  /** One task per transfer in this process: a retry joins the task already running. */
  const running = new Map<string, Promise<Transfer>>();

  const me = deps.processId ?? crypto.randomUUID();
  const move = async (t: Transfer, from: TransferState[], patch: Partial<Transfer>): Promise<Transfer> => {
    const updated = await db.community(t.communityId, async (trx) => {
      const q = Transfer.query(trx)
        .patch({ ...patch, updatedAt: new Date() })
        .where({ id: t.id })
        .whereIn('state', from);
      // Before it settles, only its owner moves a transfer (a process that lost it stops here).
      if (from.some((x) => UNSETTLED.includes(x))) q.where('owner', me);
      const rows = await (q.returning('*') as unknown as Promise<Transfer[]>);
      // Nothing was paid, so there is nothing to tell the other side.
      if (rows.length === 1 && (patch.state === 'rejected' || patch.state === 'failed')) {
        await trx('deliveries').where({ transfer_id: t.id, state: 'pending' }).update({ state: 'cancelled', updated_at: new Date() });
      }
      return rows;
    });
    if (updated.length !== 1) throw new Error(`transfer ${t.id} is no longer in state ${from.join('/')}, or no longer this process's`);
    return updated[0];
  };

  const grouped = createGroupedWriter(db, me);

  /**
   * Make this process the owner of an unfinished transfer, unless a live process drives it
   * (the transfer as it is then, and false). Its owner dead (or none): taken over.
   */
  const claim = async (t: Transfer): Promise<{ t: Transfer; ours: boolean }> => {
    if (t.owner === me) return { t, ours: true };
    const rows: Array<Record<string, unknown>> = await db.community(t.communityId, async (trx) => (await trx.raw(`
      update transfers set owner = ?, updated_at = now()
      where id = ? and state in ('new', 'quoted', 'submitted') and (owner = ? or ${ownerGone('owner')})
      returning *`, [me, t.id, me])).rows);
    if (rows.length === 1) return { t: Transfer.fromDatabaseJson(rows[0]), ours: true };
    const now = await db.community(t.communityId, async (trx) => Transfer.query(trx).findById(t.id));
    return { t: now ?? t, ours: false };
  };

  /**
   * A repeat of a request whose transfer another live process drives: wait for its end
   * there (or take it over if that process dies meanwhile), within `waitMs`.
   */
  const elsewhere = async (t: Transfer, parties: { payer: Party; payee: Party }): Promise<Transfer | null> => {
    const until = Date.now() + (deps.waitMs ?? 120_000);
    let current = t;
    while (Date.now() < until) {
      if (FINAL_STATES.includes(current.state)) return current;
      const c = await claim(current);
      if (c.ours) return run(c.t, parties);
      current = c.t;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  };

  const reject = (t: Transfer, code: LedgerError | TransferError) =>
    move(t, UNSETTLED, { state: 'rejected', errorCode: code });

  const blocked = (p: Party) => p.community.status === 'blocked' || p.account.status === 'blocked';

  const orderFor = (t: Transfer, payer: Party, payee: Party, sendMax: bigint, path: string[]): PaymentOrder => ({
    id: t.id,
    from: { currency: currencyOf(payer.community), publicKey: payer.account.publicKey },
    to: { currency: currencyOf(payee.community), publicKey: payee.account.publicKey },
    destAmount: t.amount, sendMax, path,
  });

  const refine = (e: LedgerError, payer: Party, payee: Party): LedgerError =>
    e === LedgerError.NoPath && creditLines.connected(payer.community.id, payee.community.id) ? LedgerError.CreditLineFull : e;

  /**
   * A path search that found nothing does not say why; the payment itself would fail on
   * the payee's trustline if that is what is full. Checked so a quote (CXP really=false)
   * and the payment (really=true) give the same reason.
   */
  const refineQuote = async (e: LedgerError, payer: Party, payee: Party, amount: bigint): Promise<LedgerError> => {
    if (e === LedgerError.NoPath || e === LedgerError.CreditLineFull) {
      const line = await ledger.inspectAccount(currencyOf(payee.community), payee.account.publicKey).catch(() => null);
      if (line && line.limit - line.balance < amount) return LedgerError.PayeeFull;
    }
    return refine(e, payer, payee);
  };

  /**
   * Routes recently found between two communities (the communities in between, by id).
   * Paying again along a known route needs no path search: it is priced from the
   * current rates, and the ledger charges the exact book price, never more than that.
   * An entry lives ROUTE_TTL_MS and is dropped as soon as a payment along it is refused.
   */
  const routes = new Map<string, { via: string[]; until: number }>();
  const ROUTE_TTL_MS = 10_000;
  const routeKey = (payer: Party, payee: Party) => `${payer.community.id}>${payee.community.id}`;
  // A credit line set or removed by another hub process: routes are searched afresh.
  db.changes.subscribe(CREDIT_LINES_TOPIC, () => routes.clear());

  const viaCurrencies = (ids: string[]) => Promise.all(ids.map(async (id) => currencyOf(await deps.loadCommunity(id))));

  /**
   * The ledger's best path, or, when its search finds none (Horizon explores 3 hops),
   * the hub's own route through its credit-line graph, up to 4 lines long.
   */
  const quote = async (payer: Party, payee: Party, amount: bigint, opts: { forPayment: boolean }): Promise<Quote | LedgerError> => {
    const from = { currency: currencyOf(payer.community), publicKey: payer.account.publicKey };
    const to = { currency: currencyOf(payee.community), publicKey: payee.account.publicKey };
    // Only a payment may use a known route: an explicit quote is the book's exact price.
    const known = opts.forPayment ? routes.get(routeKey(payer, payee)) : undefined;
    if (known && known.until > Date.now()) return ledger.quoteRoute(from, to, await viaCurrencies(known.via), amount);
    const q = await ledger.quoteReceive(from, to, amount);
    if (!isLedgerError(q)) {
      const ends = new Set([from.currency.accounts.externalIssuer, to.currency.accounts.externalIssuer]);
      const via: string[] = [];
      for (const issuer of ledger.pathIssuers(q.path)) {
        if (ends.has(issuer)) continue;
        const c = await deps.communityByExternalIssuer(issuer);
        if (!c) return q; // a path through a currency the hub does not know: do not remember it
        via.push(c.id);
      }
      routes.set(routeKey(payer, payee), { via, until: Date.now() + ROUTE_TTL_MS });
      return q;
    }
    if (q !== LedgerError.NoPath) return q;
    const route = creditLines.route(payer.community.id, payee.community.id);
    if (!route) return LedgerError.NoPath;
    // A direct line is always within the ledger's search: finding nothing means it is full.
    if (route.length === 2) return LedgerError.CreditLineFull;
    return ledger.quoteRoute(from, to, await viaCurrencies(route.slice(1, -1)), amount);
  };

  /**
   * Keep the traders' offers right so trade can flow back: the payer's and payee's
   * communities and every community the payment rippled through.
   */
  const rebalanceAfter = async (t: Transfer, payer: Party, payee: Party): Promise<void> => {
    if (payer.community.id === payee.community.id) return;
    rebalancer.schedule(payer.community, ['paid']);
    rebalancer.schedule(payee.community, ['received']);
    const ends = new Set([payer.community, payee.community].map((c) => currencyOf(c).accounts.externalIssuer));
    for (const issuer of ledger.pathIssuers(t.path)) {
      if (ends.has(issuer)) continue;
      const c = await deps.communityByExternalIssuer(issuer);
      if (c) rebalancer.schedule(c, ['paid', 'received']);
    }
  };

  /** A payment that found no room may have met offers not yet rebalanced: worth one more try. */
  const stale = (e: LedgerError) => e === LedgerError.NoPath || e === LedgerError.CreditLineFull;

  /** Pay a transfer that has never been submitted, or whose last envelope can never apply. */
  const pay = async (t: Transfer, payer: Party, payee: Party): Promise<Transfer> => {
    if (blocked(payer) || blocked(payee)) return reject(t, LedgerError.Blocked);
    let sendMax = t.amount;
    let path: string[] = [];
    if (payer.community.id !== payee.community.id) {
      await rebalancer.ready(payer.community.id, payee.community.id);
      let q = await quote(payer, payee, t.amount, { forPayment: true });
      // A ripple through communities rebalanced later than the ends (see rebalancer.ts).
      if (isLedgerError(q) && stale(q) && await rebalancer.flush()) q = await quote(payer, payee, t.amount, { forPayment: true });
      if (isLedgerError(q)) return reject(t, await refineQuote(q, payer, payee, t.amount));
      sendMax = q.sourceAmount;
      path = q.path;
    }
    let current = t;
    const result = await ledger.pay(orderFor(t, payer, payee, sendMax, path), keyring.lookup(payer.community.id), async (s) => {
      // Recorded before the envelope is sent: the envelope once, each transfer's hash.
      current = await grouped.write(s.hash, current, { state: 'submitted', ledgerHash: s.hash, sendMax, sourceAmount: sendMax, path }, UNSETTLED, s);
    });
    if (isLedgerError(result)) {
      routes.delete(routeKey(payer, payee)); // the route may be full or re-priced: search again next time
      return reject(current, refine(result, payer, payee));
    }
    const settled = await grouped.write(`settled:${result.hash}`, current,
      { state: 'settled', ledgerHash: result.hash, sourceAmount: result.sourceAmount }, ['submitted']);
    await rebalanceAfter(settled, payer, payee);
    return settled;
  };

  /** Drive one transfer to a final state, from whatever state it is in. */
  const process = async (t: Transfer, parties?: { payer: Party; payee: Party }): Promise<Transfer> => {
    const payer = parties?.payer ?? await deps.loadParty(t.communityId, t.payerAccountId);
    const payee = parties?.payee ?? await deps.loadParty(t.payeeCommunityId, t.payeeAccountId);
    const envelope = t.state === 'submitted' && t.ledgerHash
      ? await db.hub(async (trx) => (await trx('submissions').where({ hash: t.ledgerHash }).first('envelope'))?.envelope as string | undefined)
      : undefined;
    if (t.ledgerHash && envelope) {
      const r = await ledger.recover(t.ledgerHash, envelope, orderFor(t, payer, payee, t.sendMax ?? t.amount, t.path));
      if (r !== 'expired') {
        if (r.successful) {
          const settled = await move(t, ['submitted'], { state: 'settled', ...(r.sourceAmount !== undefined ? { sourceAmount: r.sourceAmount } : {}) });
          await rebalanceAfter(settled, payer, payee);
          return settled;
        }
        // The envelope failed as a whole; the failing operation may be a batch-mate's,
        // so this transfer is paid anew and gets its own answer.
      }
      // Never applied (failed, or expired and never will): pay anew.
    }
    return pay(t, payer, payee);
  };

  const run = (t: Transfer, parties?: { payer: Party; payee: Party }): Promise<Transfer> => {
    const existing = running.get(t.id);
    if (existing) return existing;
    const task = (async () => {
      try {
        const c = await claim(t);
        if (!c.ours) return c.t; // another live process drives it
        return await process(c.t, parties);
      } catch (err) {
        // Ledger unreachable or similar: the transfer stays as it is, durable, for resume().
        logger.warn({ err, transfer: t.id }, 'transfer left unfinished; it will be resumed');
        return (await db.community(t.communityId, async (trx) => Transfer.query(trx).findById(t.id))) ?? t;
      } finally {
        running.delete(t.id);
      }
    })();
    running.set(t.id, task);
    return task;
  };

  const service: TransferService = {
    async quote(payer, payee, amount) {
      if (amount <= 0n) return TransferError.InvalidAmount;
      if (payer.account.id === payee.account.id) return TransferError.SameAccount;
      if (blocked(payer) || blocked(payee)) return LedgerError.Blocked;
      if (payer.community.id === payee.community.id) return { sourceAmount: amount, amount, path: [] };
      const q = await quote(payer, payee, amount, { forPayment: false });
      if (isLedgerError(q)) return refineQuote(q, payer, payee, amount);
      return { sourceAmount: q.sourceAmount, amount, path: q.path };
    },

    async settle(req) {
      if (req.amount <= 0n) return TransferError.InvalidAmount;
      if (req.payer.account.id === req.payee.account.id) return TransferError.SameAccount;
      if (req.payer.community.ledgerStatus !== 'ready' || req.payee.community.ledgerStatus !== 'ready') return TransferError.NotReady;
      // Checked here, not by the database: one request's bad text must not fail the group it would join.
      if (!storable(req)) return TransferError.InvalidText;
      const hash = requestHash(req);
      // Insert, or find the transfer an earlier request with this key created.
      const { t, delivery } = await grouped.insertOrFind({
        community_id: req.payer.community.id, payee_community_id: req.payee.community.id,
        idempotency_key: req.idempotencyKey, request_hash: hash,
        payer_account_id: req.payer.account.id, payee_account_id: req.payee.account.id,
        amount: req.amount.toString(), meta: req.meta ?? '',
      }, req.delivery);
      if (!t) return TransferError.IdempotencyConflict; // the key belongs to another community's transfer
      if (t.requestHash !== hash) return TransferError.IdempotencyConflict;
      if (FINAL_STATES.includes(t.state)) return t;
      const parties = { payer: req.payer, payee: req.payee };
      const task = run(t, parties).then(async (r) =>
        // A repeat reaching this process while another drives the transfer: wait for that one.
        (r.owner !== me && !FINAL_STATES.includes(r.state) ? (await elsewhere(r, parties)) ?? r : r));
      const ready = (done: Transfer) => {
        if (delivery && done.state === 'settled') deps.onDeliveryReady?.(delivery);
      };
      const done = await within(task, deps.waitMs);
      if (done) {
        ready(done);
        return done;
      }
      // The ledger is slow or down. The transfer is durable and its task goes on: a repeat
      // of the request joins that task, resume() finishes it after a restart, and it is
      // never paid twice (its key, its recorded envelope). The caller learns it is not final.
      task.then(ready, () => {});
      logger.warn({ transfer: t.id, waitMs: deps.waitMs }, 'transfer not final within TRANSFER_WAIT_MS: answered as still settling, it goes on');
      return (await service.get(t.communityId, t.id)) ?? t;
    },

    async record(req) {
      if (req.amount <= 0n || req.sourceAmount <= 0n) return TransferError.InvalidAmount;
      if (req.payer.account.id === req.payee.account.id) return TransferError.SameAccount;
      if (!storable(req)) return TransferError.InvalidText;
      const hash = requestHash(req);
      const { t, created } = await db.community(req.payer.community.id, async (trx) => {
        const [row] = await trx('transfers').insert({
          community_id: req.payer.community.id, payee_community_id: req.payee.community.id,
          idempotency_key: req.idempotencyKey, request_hash: hash,
          payer_account_id: req.payer.account.id, payee_account_id: req.payee.account.id,
          amount: req.amount.toString(), source_amount: req.sourceAmount.toString(), send_max: req.sourceAmount.toString(),
          ledger_hash: req.ledgerHash, state: 'settled', meta: req.meta ?? '',
        }).onConflict('idempotency_key').ignore().returning('*');
        if (!row) return { t: (await Transfer.query(trx).findOne({ idempotency_key: req.idempotencyKey })) ?? null, created: false };
        const inserted = Transfer.fromDatabaseJson(row);
        if (req.delivery) await insertDelivery(trx, { ...req.delivery, communityId: inserted.communityId, transferId: inserted.id });
        return { t: inserted, created: true };
      });
      if (!t || t.requestHash !== hash) return TransferError.IdempotencyConflict;
      if (created) await rebalanceAfter(t, req.payer, req.payee);
      return t;
    },

    async compensate(t, reason) {
      if (t.state === 'compensated') return t;
      if (t.state !== 'settled' && t.state !== 'delivered') throw new Error(`transfer ${t.id} is ${t.state}: only a settled transfer can be compensated`);
      const payer = await deps.loadParty(t.payeeCommunityId, t.payeeAccountId);
      const payee = await deps.loadParty(t.communityId, t.payerAccountId);
      if (payer.community.kind === PEER) {
        // The money is on the peer's account and only its server holds the keys.
        const disputed = await move(t, ['settled', 'delivered'], { state: 'disputed', errorMessage: reason.slice(0, 500) });
        logger.error({ transfer: t.id, reason }, 'refused after settlement by the payee\'s server, which holds the money: disputed, its return asked for');
        await reclaim(disputed, reason);
        return disputed;
      }
      const back = await service.settle({
        idempotencyKey: `compensation|${t.id}`, payer, payee,
        amount: t.sourceAmount ?? t.amount, meta: `compensation of ${t.id}: ${reason}`.slice(0, 500),
      });
      if (isTransferError(back) || back.state !== 'settled') {
        logger.error({ transfer: t.id, compensation: isTransferError(back) ? back : back.id, state: isTransferError(back) ? back : back.state },
          'compensation not settled; it is retried when the hub resumes');
        return t;
      }
      logger.warn({ transfer: t.id, compensation: back.id, reason }, 'transfer compensated');
      return move(t, ['settled', 'delivered'], { state: 'compensated', errorMessage: reason.slice(0, 500) });
    },

    async returned(communityId, id, by) {
      const t = await service.get(communityId, id);
      if (!t || t.state === 'compensated') return t;
      if (t.state !== 'disputed') throw new Error(`transfer ${id} is ${t.state}: only a disputed transfer is returned`);
      logger.warn({ transfer: id, by }, 'disputed transfer paid back by the other side');
      return move(t, ['disputed'], { state: 'compensated', errorMessage: `${t.errorMessage ?? 'refused'}; paid back: ${by}`.slice(0, 500) });
    },

    get: (communityId, id) => db.community(communityId, async (trx) => (await Transfer.query(trx).findById(id)) ?? null),

    list: (communityId, f) => db.community(communityId, async (trx) => {
      const q = Transfer.query(trx).where((w) => w.where({ community_id: communityId }).orWhere({ payee_community_id: communityId }));
      if (f.states?.length) q.whereIn('state', f.states);
      if (f.protocol) q.where('idempotency_key', 'like', `${f.protocol.replace(/[\\%_]/g, '\\$&')}|%`);
      if (f.from) q.where('created_at', '>=', f.from);
      if (f.to) q.where('created_at', '<', f.to);
      return q.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(f.limit).offset(f.offset);
    }),

    findByKey: (communityId, idempotencyKey) =>
      db.community(communityId, async (trx) => (await Transfer.query(trx).findOne({ idempotency_key: idempotencyKey })) ?? null),

    async adopt() {
      const orphaned: Array<{ id: string }> = await db.hub(async (trx) =>
        (await trx.raw('select id from communities_with_orphaned_transfers(?) as id', [me])).rows);
      let n = 0;
      for (const c of orphaned) {
        const open = await db.community(c.id, async (trx) => Transfer.query(trx)
          .where({ community_id: c.id }).whereIn('state', UNSETTLED).whereRaw(ownerGone('owner')).orderBy('created_at'));
        for (const t of open) {
          if ((await run(t)).owner === me) n++;
        }
      }
      if (n > 0) logger.info({ adopted: n }, 'took over the unfinished transfers of a hub process that died');
      return n;
    },

    async resume() {
      const communities = await db.hub(async (trx) => Community.query(trx).select('id'));
      let n = 0;
      for (const c of communities) {
        const open = await db.community(c.id, async (trx) => Transfer.query(trx)
          .where({ community_id: c.id }).whereIn('state', ['new', 'quoted', 'submitted']).orderBy('created_at'));
        for (const t of open) {
          // One a live other process drives is left to it (run() does not claim it).
          if ((await run(t)).owner === me) n++;
        }
        // Refused after settlement, and the hub stopped before paying back: pay back now.
        const refused = await db.community(c.id, async (trx) => Transfer.query(trx)
          .where({ community_id: c.id }).whereIn('state', ['settled', 'delivered'])
          .whereExists(trx('deliveries').whereRaw('deliveries.transfer_id = transfers.id').where('deliveries.state', 'refused')));
        for (const t of refused) {
          await service.compensate(t, t.errorMessage ?? 'refused by the other side');
          n++;
        }
        // Disputed: ask again for the money back (asking is idempotent).
        const disputed = await db.community(c.id, async (trx) => Transfer.query(trx).where({ community_id: c.id, state: 'disputed' }));
        for (const t of disputed) await reclaim(t, t.errorMessage ?? 'refused by the other side');
      }
      return n;
    },
  };
  return service;
}
