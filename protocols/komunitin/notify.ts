/**
 * The outbox handlers that tell peers about transfers (accounting's notify, which
 * Komunitin itself sends once and never again): `komunitin.notify` POSTs a settled
 * payment to the payee's server; `komunitin.update` PATCHes a payment request the
 * peer sent us with our decision. Both are signed with our account's key, retried with
 * backoff until acknowledged. A retry after a lost answer finds the transfer already
 * there: Komunitin says so ("already exists", an acknowledgment for an id only this hub
 * made); other peers are asked with a GET instead. A notify is written in the form of
 * `meta` the peer takes (forms.ts).
 */
import { Delivery, DeliveryHandler, DeliveryOutcome, Transfer } from '../../src/core';
import { ProtocolDeps } from '../../src/protocol';
import { tokenFor } from './auth';
import { Outbound, OutboundError, PeerAnswer } from './client';
import { JustSettled, NotifyPayload, UpdatePayload } from './deliveries';
import { postTransfer } from './forms';
import { PeerDirectory } from './peers';
import { MetaForm, metaOf } from './translate';

const detailOf = (a: PeerAnswer): string => {
  const e = (a.json as { errors?: Array<{ code?: string; detail?: string }> } | undefined)?.errors?.[0];
  return e ? `${e.code ?? ''}: ${e.detail ?? ''}` : a.text.slice(0, 300);
};

/**
 * The peer has this very transfer already: Komunitin answers a second POST of an id it
 * stored with 400 "Transfer with id … already exists". The id is one this hub made
 * for this payment, so the peer can only have it from us: the notify arrived (its
 * answer was lost). Komunitin serves no GET of it to a peer, so this is the only word.
 */
const alreadyThere = (a: PeerAnswer, id: string): boolean => {
  if (a.status !== 400 && a.status !== 409) return false;
  const errors = (a.json as { errors?: Array<{ detail?: unknown }> } | undefined)?.errors ?? [];
  return errors.some((e) => typeof e.detail === 'string' && /already exists/i.test(e.detail) && e.detail.toLowerCase().includes(id.toLowerCase()));
};

/** Answers worth waiting out: the peer is down, overloaded, or cannot see the ledger yet. */
const transient = (a: PeerAnswer): boolean =>
  a.status >= 500 || a.status === 401 || a.status === 408 || a.status === 429
  || (a.json as { errors?: Array<{ code?: string }> } | undefined)?.errors?.[0]?.code === 'TransactionError';

export type { JustSettled };

export function deliveryHandlers(deps: ProtocolDeps, outbound: Outbound, forms: Pick<PeerDirectory, 'metaForm' | 'learnMetaForm'>,
  justSettled: JustSettled = new Map()): { notify: DeliveryHandler; update: DeliveryHandler } {
  const sign = (d: Delivery, publicKey: string) => tokenFor(publicKey, deps.publicUrl(), deps.keyring.lookup(d.communityId));
  const transferOf = async (d: Delivery): Promise<Transfer | null> => {
    if (!d.transferId) return null;
    return justSettled.get(d.transferId) ?? deps.transfers.get(d.communityId, d.transferId);
  };

  /** The peer has it already, in the state we meant? (a retry after our answer was lost) */
  const confirmed = async (url: string, token: string, check: (attrs: { state?: string; hash?: string }) => boolean): Promise<boolean> => {
    try {
      const a = await outbound.request('GET', url, { token });
      const attrs = (a.json as { data?: { attributes?: { state?: string; hash?: string } } } | undefined)?.data?.attributes;
      return a.status === 200 && !!attrs && check(attrs);
    } catch {
      return false;
    }
  };

  const send = async (d: Delivery, method: 'POST' | 'PATCH', call: () => Promise<PeerAnswer>, token: string, confirmUrl: string,
    check: (attrs: { state?: string; hash?: string }) => boolean, id: string): Promise<DeliveryOutcome> => {
    let a: PeerAnswer;
    try {
      a = await call();
    } catch (err) {
      if (err instanceof OutboundError && !err.retryable) return { outcome: 'refused', reason: err.message };
      return { outcome: 'retry', error: (err as Error).message };
    }
    if (a.status >= 200 && a.status < 300) {
      return { outcome: 'acknowledged', result: { status: a.status, state: (a.json as { data?: { attributes?: { state?: string } } })?.data?.attributes?.state } };
    }
    if (method === 'POST' && alreadyThere(a, id)) return { outcome: 'acknowledged', result: { status: a.status, alreadyThere: true } };
    if (d.attempts > 0 && await confirmed(confirmUrl, token, check)) return { outcome: 'acknowledged', result: { status: 200, confirmed: true } };
    if (transient(a)) return { outcome: 'retry', error: `${a.status} ${detailOf(a)}` };
    return { outcome: 'refused', reason: `${a.status} ${detailOf(a)}`, result: { status: a.status } };
  };

  return {
    async notify(d) {
      const p = d.payload as NotifyPayload;
      const t = await transferOf(d);
      if (!t?.ledgerHash) return { outcome: 'retry', error: 'the transfer has no ledger hash yet' };
      const hash = t.ledgerHash;
      const doc = (form: MetaForm) => ({
        data: {
          type: 'transfers',
          id: p.id,
          attributes: {
            amount: p.amount, meta: metaOf(p.description, form), state: 'committed', hash,
            created: new Date(t.createdAt).toISOString(), updated: new Date(t.updatedAt).toISOString(),
          },
          relationships: {
            payer: { data: { type: 'accounts', id: p.payerId, meta: { external: true, href: p.payerHref } } },
            payee: { data: { type: 'accounts', id: p.payeeId } },
          },
        },
      });
      const token = await sign(d, p.payerKey);
      // The target is the payee's server's …/CODE/transfers; its currency is …/CODE/currency.
      const currencyUrl = d.target.replace(/\/transfers$/, '/currency');
      const call = async () => (await postTransfer(outbound, forms, { url: d.target, currencyUrl, token, doc })).answer;
      return send(d, 'POST', call, token, `${d.target}/${p.id}`, (x) => x.hash === hash, p.id);
    },

    async update(d) {
      const p = d.payload as UpdatePayload;
      const t = await transferOf(d);
      if (p.state === 'committed' && !t?.ledgerHash) return { outcome: 'retry', error: 'the transfer has no ledger hash yet' };
      const body = { data: { type: 'transfers', id: p.id, attributes: { state: p.state, ...(t?.ledgerHash && p.state === 'committed' ? { hash: t.ledgerHash } : {}) } } };
      const token = await sign(d, p.signerKey);
      return send(d, 'PATCH', () => outbound.request('PATCH', d.target, { body, token }), token, d.target, (x) => x.state === p.state, p.id);
    },
  };
}
