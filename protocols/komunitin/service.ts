/**
 * What the Komunitin protocol does, in the core's terms: payments from peers recorded
 * from the ledger, payments to peers settled and then notified through the outbox,
 * and payment requests both ways. Routes (routes.ts) and governance call these; every
 * check happens before anything is recorded, and every record is idempotent.
 */
import crypto from 'node:crypto';
import { Account, Community, convert, currencyOf, isAccountError, isAmountError, isTransferError, LedgerPayment, Transfer, TransferError, transferErrorMessage } from '../../src/core';
import { ProtocolDeps } from '../../src/protocol';
import { tokenFor } from './auth';
import { Outbound, OutboundError } from './client';
import { JustSettled, NOTIFY, NotifyPayload, UPDATE, UpdatePayload } from './deliveries';
import { KomunitinCode, KomunitinError, fail, paymentFailure, verdict } from './errors';
import { postTransfer } from './forms';
import { LocalAccount, isMirror, resolveLocal, uuidV5 } from './local';
import { PeerDirectory, RemoteAccount, ResolveError } from './peers';
import { KTransfer, TransferStore } from './requests';
import { TransferAnswerDoc, transferAnswerDocument, validate } from './schemas';
import { MetaForm, SCALE, TransferView, UUID, accountUrl, fromWire, metaOf, toWire, transfersUrlOf, truncateToScale } from './translate';

export { NOTIFY, UPDATE };
export type { NotifyPayload, UpdatePayload };

export interface KomunitinService {
  receivePayment(c: Community, payee: LocalAccount, input: IncomingInput, sub: string): Promise<KTransfer>;
  payOut(c: Community, payer: LocalAccount, input: OutgoingInput, actor: string): Promise<KTransfer>;
  receiveRequest(c: Community, payer: LocalAccount, input: IncomingInput, sub: string): Promise<KTransfer>;
  decide(c: Community, id: string, decision: 'accept' | 'reject', actor: string): Promise<KTransfer>;
  /** `returns`: the core transfer this request asks back (disputed); it ends compensated once paid. */
  requestPayment(c: Community, payee: LocalAccount, input: OutgoingInput, actor: string, opts?: { returns?: string }): Promise<KTransfer>;
  /** `given`: the request row when the caller holds it already. */
  receiveUpdate(c: Community, id: string, update: { state: 'committed' | 'rejected' | 'failed'; hash?: string }, sub: string, given?: KTransfer): Promise<KTransfer>;
  view(c: Community, t: KTransfer): Promise<TransferView>;
  /**
   * A payment whose notify was refused, looked up on the ledger by its hash and recorded
   * if it pays one of this community's accounts from the peer account that signed it.
   */
  recover(c: Community, notify: RefusedNotify): Promise<Recovery>;
}

/** What a refused notify said, kept to find its payment on the ledger (recovery.ts). */
export interface RefusedNotify {
  hash: string;
  /** The key the notify's token spoke for: the payer on the ledger must be it. */
  sub: string;
  id?: string;
  payerHref?: string;
  payeeId?: string;
  description: string;
}

export type Recovery =
  | { recorded: KTransfer }
  /** Not (yet) to be told: the ledger does not show it, or the peer is not answering. */
  | { wait: string }
  /** Not a payment this community can record. */
  | { abandon: string };

export interface IncomingInput {
  id?: string;
  /** Wire amount (scaled by 10^scale) as the peer states it: an older server's may be unrounded. */
  amount: number;
  description: string;
  /** The peer's account URL. */
  href: string;
  hash?: string;
  /** How the peer wrote `meta` (learned: the hub writes to it so). */
  form?: MetaForm;
}

export interface OutgoingInput {
  id?: string;
  /** This community's units (stroops). */
  amount: bigint;
  description: string;
  /** The peer's account URL. */
  href: string;
}

const HREF = '/data/relationships/payee/data/meta/href';

export function createKomunitinService(deps: ProtocolDeps & { peers: PeerDirectory; store: TransferStore; outbound: Outbound; justSettled: JustSettled }): KomunitinService {
  const { peers, store, ledger, justSettled } = deps;
  const base = () => deps.publicUrl();

  const resolve = async (href: string, pointer: string): Promise<RemoteAccount> => {
    try {
      return await peers.resolve(href);
    } catch (err) {
      if (err instanceof ResolveError) throw fail(KomunitinCode.BadRequest, `The external account could not be resolved: ${err.message}`, pointer);
      throw err;
    }
  };

  /** The payment `hash` made on the ledger, checked against who says they made it. */
  const paymentOnLedger = async (hash: string, from: string, to: Account, c: Community, remote: RemoteAccount): Promise<LedgerPayment> => {
    const tx = await ledger.findPayments(hash);
    if (!tx || !tx.successful) throw fail(KomunitinCode.TransactionError, `Transaction ${hash} is not on the ledger.`, '/data/attributes/hash');
    const toPayee = tx.payments.filter((p) => p.to === to.publicKey);
    if (toPayee.length === 0) throw verdict(KomunitinCode.BadRequest, `Transaction ${hash} pays no money to account ${to.publicKey}.`, '/data/attributes/hash');
    const p = toPayee.find((x) => x.from === from);
    if (!p) throw verdict(KomunitinCode.Forbidden, `The payer of transaction ${hash} on the ledger is not ${from}, the account the token speaks for.`, '/data/attributes/hash');
    const local = currencyOf(c);
    if (p.asset.code !== local.code || p.asset.issuer !== local.accounts.issuer) {
      throw verdict(KomunitinCode.BadRequest, `Transaction ${hash} pays in ${p.asset.code}, not in ${c.code}.`, '/data/attributes/hash');
    }
    const peer = currencyOf(remote.currency.community);
    if (p.sourceAsset.code !== peer.code || p.sourceAsset.issuer !== peer.accounts.issuer) {
      throw verdict(KomunitinCode.BadRequest, `Transaction ${hash} was paid in ${p.sourceAsset.code}, not in the payer's currency ${peer.code}.`, '/data/attributes/hash');
    }
    return p;
  };

  /** The stated amount may be rounded to the wire scale, no more: a different amount is refused. */
  const checkAmount = (stated: number, onLedger: bigint) => {
    const diff = Math.abs(stated - toWire(onLedger, SCALE, 'down'));
    if (diff > 1) {
      throw verdict(KomunitinCode.BadRequest, `The amount ${stated} disagrees with the ledger, which paid ${toWire(onLedger, SCALE, 'down')} (scale ${SCALE}).`, '/data/attributes/amount');
    }
  };

  /** Record a payment a peer made on the ledger to one of our accounts, once (by hash). */
  const recordIncoming = async (c: Community, payee: LocalAccount, remote: RemoteAccount, p: LedgerPayment, hash: string, description: string): Promise<Transfer> => {
    const delivery = payee.memberRef ? await deps.onward.build({
      community: c, payeeRef: payee.memberRef, amount: p.amount, payerRef: `${remote.code}@${new URL(remote.href).host}`,
      payerUrl: remote.href, description, reference: hash,
    }) : null;
    const t = await deps.transfers.record({
      idempotencyKey: `komunitin|${hash.toLowerCase()}`,
      payer: { community: remote.currency.community, account: remote.account },
      payee: { community: c, account: payee.account },
      amount: p.amount, sourceAmount: p.sourceAmount, ledgerHash: hash.toLowerCase(), meta: description,
      ...(delivery ? { delivery } : {}),
    });
    if (isTransferError(t)) throw paymentFailure(t, `The payment cannot be recorded: ${transferErrorMessage[t]}.`, '/data/attributes/hash');
    return t;
  };

  const stateOf = (t: Transfer | null, k: KTransfer): string => {
    if (k.kind === 'request' && k.state !== 'committed') return k.state;
    if (!t) return k.state;
    switch (t.state) {
      case 'settled': case 'delivered': return 'committed';
      case 'rejected': case 'failed': case 'compensated': return 'failed';
      // The payee's server refused it after it settled: rejected, as that server said.
      case 'disputed': return 'rejected';
      default: return 'submitted';
    }
  };

  const sign = (communityId: string, publicKey: string) => tokenFor(publicKey, base(), deps.keyring.lookup(communityId));

  /** Attempt a delivery of a transfer settled just now, handing the transfer to the handler. */
  const deliverSettled = async (t: Transfer, kind: string): Promise<void> => {
    justSettled.set(t.id, t);
    try {
      await deps.deliveries.deliverNow(t.communityId, t.id, kind);
    } finally {
      justSettled.delete(t.id);
    }
  };

  const service: KomunitinService = {
    async receivePayment(c, payee, input, sub) {
      if (!input.hash) throw fail(KomunitinCode.BadRequest, 'The hash of the transaction must be given for a committed external payment.', '/data/attributes/hash');
      const remote = await resolve(input.href, '/data/relationships/payer/data/meta/href');
      if (remote.key !== sub) throw fail(KomunitinCode.Forbidden, `The token speaks for ${sub}, but the payer account ${input.href} is ${remote.key}.`, '/data/relationships/payer');
      if (input.form) await peers.learnMetaForm(remote.currency.url, input.form);
      // Whether we know the hash and what the ledger says of it are asked at once: a
      // first notify (the usual case) needs both, and neither waits for the other.
      const [known, onLedger] = await Promise.all([
        store.byHash(c.id, input.hash),
        paymentOnLedger(input.hash, sub, payee.account, c, remote).then((p) => ({ p }), (err: unknown) => ({ err })),
      ]);
      if (known) {
        // The peer told us again (it retries): the same answer, nothing new, if it is the same payment.
        if (known.direction !== 'incoming' || known.accountId !== payee.account.id || known.remoteHref !== remote.href) {
          throw verdict(KomunitinCode.BadRequest, `Transaction ${input.hash} is recorded here as another transfer.`, '/data/attributes/hash');
        }
        checkAmount(input.amount, known.amount); // recorded from the ledger
        return known;
      }
      if ('err' in onLedger) throw onLedger.err;
      const { p } = onLedger;
      checkAmount(input.amount, p.amount);
      const t = await recordIncoming(c, payee, remote, p, input.hash, input.description);
      const row = await store.insert({
        communityId: c.id, id: input.id ?? crypto.randomUUID(), direction: 'incoming', kind: 'payment', state: 'committed',
        accountId: payee.account.id, memberRef: payee.memberRef ?? null, peerCommunityId: remote.currency.community.id,
        remoteHref: remote.href, amount: p.amount, description: input.description, transferId: t.id, hash: input.hash,
      });
      return { ...row, transfer: t };
    },

    async payOut(c, payer, input, actor) {
      if (payer.memberRef) throw fail(KomunitinCode.Forbidden, 'Members of a mirror community pay through their own exchange.', '/data/relationships/payer');
      const id = (input.id ?? crypto.randomUUID()).toLowerCase();
      // A fresh id cannot be taken: only an id the caller chose may name an earlier transfer.
      const existing = input.id ? await store.get(c.id, id) : null;
      if (existing && (existing.direction !== 'outgoing' || existing.kind !== 'payment' || existing.remoteHref !== input.href || existing.amount !== input.amount)) {
        throw new KomunitinError(KomunitinCode.BadRequest, `Transfer ${id} already exists and is a different one.`, '/data/id', 409);
      }
      const remote = await resolve(input.href, HREF);
      const peer = remote.currency;
      // What the payee receives, in its units and exactly expressible at its scale.
      const amount = truncateToScale(convert(input.amount, currencyOf(c).rate, currencyOf(peer.community).rate, 'down'), peer.scale);
      if (amount <= 0n) throw fail(KomunitinCode.FieldValidationError, 'The amount is too small to reach the payee.', '/data/attributes/amount');
      const row = existing ?? await store.insert({
        communityId: c.id, id, direction: 'outgoing', kind: 'payment', state: 'new', accountId: payer.account.id,
        peerCommunityId: peer.community.id, remoteHref: remote.href, amount: input.amount, description: input.description,
      });
      const payload: NotifyPayload = {
        id, payerId: payer.id, payerKey: payer.account.publicKey, payerHref: accountUrl(base(), c, payer.id),
        payeeId: remote.id, amount: toWire(amount, peer.scale, 'down'), description: input.description,
      };
      const t = await deps.transfers.settle({
        idempotencyKey: `komunitin|out|${c.code}|${id}`,
        payer: { community: c, account: payer.account },
        payee: { community: peer.community, account: remote.account },
        amount, meta: input.description,
        delivery: { kind: NOTIFY, target: transfersUrlOf(remote.href), payload },
      });
      if (isTransferError(t)) throw paymentFailure(t, transferErrorMessage[t]);
      deps.logger.info({ transfer: t.id, komunitin: id, actor, state: t.state }, 'external payment to a Komunitin peer');
      if (t.state === 'rejected' || t.state === 'failed') {
        await store.move(c.id, id, ['new'], { state: 'failed', transferId: t.id, error: t.errorCode });
        const code = (t.errorCode ?? 'failed') as keyof typeof transferErrorMessage;
        throw paymentFailure(code, transferErrorMessage[code] ?? `The payment failed: ${t.errorCode}`);
      }
      const settled = t.state === 'settled' || t.state === 'delivered';
      const updated = await store.move(c.id, id, ['new'], { ...(settled ? { state: 'committed' } : {}), transferId: t.id, hash: t.ledgerHash });
      if (settled) await deliverSettled(t, NOTIFY);
      const k = updated ?? (await store.get(c.id, id)) ?? row;
      return k.transferId === t.id ? { ...k, transfer: t } : k;
    },

    async receiveRequest(c, payer, input, sub) {
      if (payer.memberRef) throw fail(KomunitinCode.Forbidden, 'Members of a mirror community are asked for payments in their own exchange.', '/data/relationships/payer');
      const id = (input.id ?? crypto.randomUUID()).toLowerCase();
      const existing = await store.get(c.id, id);
      if (existing) {
        if (existing.kind !== 'request' || existing.remoteHref !== input.href) throw new KomunitinError(KomunitinCode.BadRequest, `Transfer ${id} already exists and is a different one.`, '/data/id', 409);
        return existing;
      }
      const remote = await resolve(input.href, HREF);
      if (remote.key !== sub) throw fail(KomunitinCode.Forbidden, `The token speaks for ${sub}, but the payee account ${input.href} is ${remote.key}.`, '/data/relationships/payee');
      if (input.form) await peers.learnMetaForm(remote.currency.url, input.form);
      // A request states what the payer pays, in the payer's (our) units; an older
      // server's unrounded conversion is rounded up, so the payee gets what it asked.
      const amount = fromWire(Math.ceil(input.amount), SCALE);
      if (isAmountError(amount) || amount <= 0n) throw fail(KomunitinCode.FieldValidationError, 'The amount must be a positive integer.', '/data/attributes/amount');
      const row = await store.insert({
        communityId: c.id, id, direction: 'outgoing', kind: 'request', state: 'pending', accountId: payer.account.id,
        peerCommunityId: remote.currency.community.id, remoteHref: remote.href, amount, description: input.description,
      });
      const policy = await store.policy(c.id);
      const auto = policy.acceptRequests === 'auto'
        || (policy.acceptRequests === 'whitelist' && (policy.whitelist.includes(remote.href) || policy.whitelist.includes(remote.currency.url)));
      if (!auto) return row;
      // Accepted by policy: paid now, and this answer tells the peer (as Komunitin does).
      return payRequest(c, row, remote, { notify: false });
    },

    async decide(c, id, decision, actor) {
      const row = await store.get(c.id, id);
      if (!row || row.kind !== 'request' || row.direction !== 'outgoing') throw fail(KomunitinCode.NotFound, `No payment request ${id} to this community's members.`);
      if (row.state !== 'pending') {
        if ((decision === 'accept' && row.state === 'committed') || (decision === 'reject' && row.state === 'rejected')) return row;
        throw fail(KomunitinCode.BadRequest, `Only pending payment requests can be decided; this one is ${row.state}.`, '/data/attributes/state');
      }
      deps.logger.info({ komunitin: id, decision, actor }, 'payment request decided');
      if (decision === 'reject') {
        const payer = await deps.accounts.getById(c.id, row.accountId);
        if (typeof payer === 'string') throw new Error(`request ${id} names unknown account ${row.accountId}`);
        // The decision and the PATCH telling the peer are written together.
        const rejected = await deps.db.community(c.id, async (trx) => {
          const r = await store.move(c.id, id, ['pending'], { state: 'rejected' }, trx);
          if (r) {
            const payload: UpdatePayload = { id, signerKey: payer.publicKey, state: 'rejected' };
            await deps.deliveries.enqueue(trx, { communityId: c.id, kind: UPDATE, target: `${transfersUrlOf(row.remoteHref)}/${id}`, payload });
          }
          return r;
        });
        deps.deliveries.wake();
        return rejected ?? (await store.get(c.id, id))!;
      }
      const remote = await resolve(row.remoteHref, HREF);
      return payRequest(c, row, remote, { notify: true });
    },

    async requestPayment(c, payee, input, actor, opts = {}) {
      if (payee.memberRef) throw fail(KomunitinCode.Forbidden, 'Members of a mirror community ask for payments through their own exchange.', '/data/relationships/payee');
      const id = (input.id ?? crypto.randomUUID()).toLowerCase();
      const existing = await store.get(c.id, id);
      if (existing) return existing;
      const remote = await resolve(input.href, '/data/relationships/payer/data/meta/href');
      const peer = remote.currency;
      const row = await store.insert({
        communityId: c.id, id, direction: 'incoming', kind: 'request', state: 'new', accountId: payee.account.id,
        peerCommunityId: peer.community.id, remoteHref: remote.href, amount: input.amount, description: input.description,
        returnsTransferId: opts.returns ?? null,
      });
      // The payer's server is told in its units, rounded up so the payee gets what it asked.
      const payerAmount = toWire(convert(input.amount, currencyOf(c).rate, currencyOf(peer.community).rate, 'up'), peer.scale, 'up');
      const doc = (form: MetaForm) => ({
        data: {
          type: 'transfers', id,
          attributes: { amount: payerAmount, meta: metaOf(input.description, form), state: 'committed' },
          relationships: {
            payer: { data: { type: 'accounts', id: remote.id } },
            payee: { data: { type: 'accounts', id: payee.id, meta: { external: true, href: accountUrl(base(), c, payee.id) } } },
          },
        },
      });
      let answer;
      try {
        const token = await sign(c.id, payee.account.publicKey);
        ({ answer } = await postTransfer(deps.outbound, peers, { url: transfersUrlOf(remote.href), currencyUrl: peer.url, token, doc }));
      } catch (err) {
        if (!(err instanceof OutboundError)) throw err;
        await store.move(c.id, id, ['new'], { state: 'failed', error: err.message });
        throw fail(KomunitinCode.BadRequest, `The payer's server could not be reached: ${err.message}`, '/data/relationships/payer/data/meta/href');
      }
      if (answer.status < 200 || answer.status >= 300) {
        const detail = (answer.json as { errors?: Array<{ detail?: string }> } | undefined)?.errors?.[0]?.detail ?? answer.text.slice(0, 300);
        await store.move(c.id, id, ['new'], { state: 'failed', error: `${answer.status}: ${detail}` });
        throw fail(KomunitinCode.BadRequest, `The payer's server refused the request (${answer.status}): ${detail}`);
      }
      let ans: TransferAnswerDoc;
      try {
        ans = validate<TransferAnswerDoc>(transferAnswerDocument, answer.json, 'the payer server\'s answer');
      } catch (err) {
        await store.move(c.id, id, ['new'], { state: 'failed', error: (err as Error).message });
        throw err;
      }
      deps.logger.info({ komunitin: id, actor, state: ans.data.attributes.state }, 'payment request sent to a Komunitin peer');
      if (ans.data.attributes.state === 'committed' && ans.data.attributes.hash) {
        // Accepted at once by the payer's server: the payment is on the ledger already.
        return service.receiveUpdate(c, id, { state: 'committed', hash: ans.data.attributes.hash }, remote.key, row);
      }
      const state = ans.data.attributes.state === 'rejected' || ans.data.attributes.state === 'failed' ? ans.data.attributes.state : 'pending';
      return (await store.move(c.id, id, ['new'], { state })) ?? row;
    },

    async receiveUpdate(c, id, update, sub, given) {
      const row = given ?? await store.get(c.id, id);
      if (!row || row.kind !== 'request' || row.direction !== 'incoming') throw fail(KomunitinCode.NotFound, `No payment request ${id} from this community.`);
      const known = await peers.known(row.peerCommunityId, row.remoteHref);
      if (!known || known.key !== sub) throw fail(KomunitinCode.Forbidden, 'The token does not speak for the payer this request was sent to.');
      if (row.state === update.state) return row; // told twice
      if (row.state !== 'pending' && row.state !== 'new') throw fail(KomunitinCode.BadRequest, `Only pending external transfers can be updated; this one is ${row.state}.`, '/data/attributes/state');
      if (update.state !== 'committed') return (await store.move(c.id, id, ['pending', 'new'], { state: update.state })) ?? row;
      if (!update.hash) throw fail(KomunitinCode.BadRequest, 'The hash must be given for a committed payment.', '/data/attributes/hash');
      const payee = await deps.accounts.getById(c.id, row.accountId);
      if (typeof payee === 'string') throw new Error(`request ${id} names unknown account ${row.accountId}`);
      const remote = await resolve(row.remoteHref, '/data/relationships/payer/data/meta/href');
      const p = await paymentOnLedger(update.hash, sub, payee, c, remote);
      const t = await recordIncoming(c, { id: payee.id, code: payee.code, account: payee }, remote, p, update.hash, row.description);
      const committed = (await store.move(c.id, id, ['pending', 'new'], { state: 'committed', hash: update.hash, transferId: t.id, amount: p.amount })) ?? row;
      // The peer paid back a payment it had refused after it settled: that one is settled too.
      if (row.returnsTransferId) await deps.transfers.returned(c.id, row.returnsTransferId, `payment ${t.id} from ${row.remoteHref}`);
      return committed;
    },

    async recover(c, n) {
      const hash = n.hash.toLowerCase();
      const known = await store.byHash(c.id, hash);
      if (known) return { recorded: known }; // told again since, and taken
      const tx = await ledger.findPayments(hash);
      if (!tx) return { wait: `transaction ${hash} is not on the ledger (yet)` };
      if (!tx.successful) return { abandon: `transaction ${hash} failed on the ledger` };
      if (!n.payerHref) return { abandon: 'the notify names no payer account URL' };
      let remote: RemoteAccount;
      try {
        remote = await peers.resolve(n.payerHref);
      } catch (err) {
        if (err instanceof ResolveError) return err.retryable ? { wait: err.message } : { abandon: err.message };
        throw err;
      }
      if (remote.key !== n.sub) return { abandon: `the payer account ${n.payerHref} is ${remote.key}, not ${n.sub}, whose token signed the notify` };
      // The payee is whom the ledger paid; a mirror community's member, whom the notify named.
      const local = currencyOf(c);
      const paid = tx.payments.find((p) => p.from === n.sub && p.asset.code === local.code && p.asset.issuer === local.accounts.issuer);
      if (!paid) return { abandon: `transaction ${hash} pays nothing in ${c.code} from ${n.sub}` };
      let payee: LocalAccount | null = null;
      if (isMirror(c)) {
        const named = n.payeeId ? await resolveLocal(deps, c, n.payeeId) : null;
        payee = named?.memberRef && named.account.publicKey === paid.to ? named : null;
      } else {
        const a = await deps.accounts.getByPublicKey(c, paid.to);
        payee = !isAccountError(a) && a.kind === 'member' && a.ledgerStatus === 'ready' ? { id: a.id, code: a.code, account: a } : null;
      }
      if (!payee) return { abandon: `transaction ${hash} pays ${paid.to}, not a member of ${c.code} the notify names` };
      let p: LedgerPayment;
      let t: Transfer;
      try {
        p = await paymentOnLedger(hash, n.sub, payee.account, c, remote);
        t = await recordIncoming(c, payee, remote, p, hash, n.description);
      } catch (err) {
        if (err instanceof KomunitinError) return { abandon: err.detail };
        throw err;
      }
      const row = {
        communityId: c.id, direction: 'incoming' as const, kind: 'payment' as const, state: 'committed' as const,
        accountId: payee.account.id, memberRef: payee.memberRef ?? null, peerCommunityId: remote.currency.community.id,
        remoteHref: remote.href, amount: p.amount, description: n.description, transferId: t.id, hash,
      };
      // Under the id both servers know it by, unless this hub has that id for another transfer.
      for (const id of [...(n.id && UUID.test(n.id) ? [n.id] : []), uuidV5(c.id, `notify|${hash}`)]) {
        try {
          const k = await store.insert({ ...row, id });
          if (k.hash === hash) return { recorded: k };
        } catch (err) {
          // Recorded meanwhile by the peer's notify (the hash is unique): that one stands.
          const other = await store.byHash(c.id, hash);
          if (other) return { recorded: other };
          throw err;
        }
      }
      return { abandon: `the ids of transfer ${hash} are taken here by other transfers` };
    },

    async view(c, k) {
      // A transfer settled or recorded a moment ago by this very request needs no reading back.
      const t = k.transfer && k.transfer.id === k.transferId ? k.transfer : k.transferId ? await deps.transfers.get(c.id, k.transferId) : null;
      const localId = k.memberRef ? uuidV5(c.id, k.memberRef) : k.accountId;
      const remoteSide = { id: k.remoteHref.slice(k.remoteHref.lastIndexOf('/') + 1), href: k.remoteHref };
      const us = { id: localId };
      return {
        id: k.id,
        state: stateOf(t, k),
        amount: toWire(k.amount, SCALE, 'down'),
        description: k.description,
        hash: t?.ledgerHash ?? k.hash,
        created: k.createdAt,
        updated: t && t.updatedAt > k.updatedAt ? t.updatedAt : k.updatedAt,
        payer: k.direction === 'incoming' ? remoteSide : us,
        payee: k.direction === 'incoming' ? us : remoteSide,
      };
    },
  };

  /** Pay a request we hold (our member pays the peer's), then tell the peer if asked to. */
  async function payRequest(c: Community, row: KTransfer, remote: RemoteAccount, opts: { notify: boolean }): Promise<KTransfer> {
    const payer = await deps.accounts.getById(c.id, row.accountId);
    if (typeof payer === 'string') throw new Error(`request ${row.id} names unknown account ${row.accountId}`);
    const peer = remote.currency;
    const amount = truncateToScale(convert(row.amount, currencyOf(c).rate, currencyOf(peer.community).rate, 'down'), peer.scale);
    if (amount <= 0n) throw fail(KomunitinCode.FieldValidationError, 'The amount is too small to reach the payee.', '/data/attributes/amount');
    const payload: UpdatePayload = { id: row.id, signerKey: payer.publicKey, state: 'committed' };
    const t = await deps.transfers.settle({
      idempotencyKey: `komunitin|request|${c.code}|${row.id}`,
      payer: { community: c, account: payer },
      payee: { community: peer.community, account: remote.account },
      amount, meta: row.description,
      ...(opts.notify ? { delivery: { kind: UPDATE, target: `${transfersUrlOf(row.remoteHref)}/${row.id}`, payload } } : {}),
    });
    if (isTransferError(t)) throw paymentFailure(t, transferErrorMessage[t as TransferError]);
    if (t.state === 'rejected' || t.state === 'failed') {
      const failed = await deps.db.community(c.id, async (trx) => {
        const r = await store.move(c.id, row.id, ['pending'], { state: 'failed', transferId: t.id, error: t.errorCode }, trx);
        if (r && opts.notify) {
          await deps.deliveries.enqueue(trx, { communityId: c.id, kind: UPDATE, target: `${transfersUrlOf(row.remoteHref)}/${row.id}`, payload: { ...payload, state: 'failed' } });
        }
        return r;
      });
      if (failed) deps.deliveries.wake();
      const code = (t.errorCode ?? 'failed') as keyof typeof transferErrorMessage;
      throw paymentFailure(code, transferErrorMessage[code] ?? `The payment failed: ${t.errorCode}`);
    }
    const settled = t.state === 'settled' || t.state === 'delivered';
    const moved = await store.move(c.id, row.id, ['pending'], { ...(settled ? { state: 'committed' } : {}), transferId: t.id, hash: t.ledgerHash });
    if (settled && opts.notify) await deliverSettled(t, UPDATE);
    return moved ?? (await store.get(c.id, row.id)) ?? row;
  }

  return service;
}
