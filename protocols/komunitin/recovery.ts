/**
 * Payments on the ledger whose notify this hub refused. A Komunitin server notifies a
 * payment once, after it is on the ledger, and never again: a notify refused for its
 * document (a form or length this hub does not take, a payee named wrong) or because
 * the ledger did not show the transaction yet leaves the money on our member's account
 * and nothing recorded. So such a refusal keeps the notify's hash, and what the notify
 * said, in komunitin_refused_notifies, and a `komunitin.recover` job of the outbox (run,
 * retried and resumed across restarts like any delivery) looks the transaction up on
 * the ledger and records the payment as a notify would have: only if it pays one of the
 * community's accounts, in its currency, from the peer account whose token signed the
 * notify (a notify without a valid token is not kept). Idempotent by the hash: a notify
 * the hub takes later, or the job run twice, records it once.
 *
 * Not kept: refusals resting on the ledger's own word (it pays someone else, another
 * asset, another amount) and on who speaks (401, 403), and ids reused (409).
 */
import { Community, DeliveryHandler, isCommunityError } from '../../src/core';
import { ProtocolDeps } from '../../src/protocol';
import { verifyBearer } from './auth';
import { RECOVER } from './deliveries';
import { KomunitinCode, KomunitinError, LedgerVerdict } from './errors';
import { KomunitinService, RefusedNotify } from './service';
import { UUID } from './translate';

/** How long a transaction the ledger does not show is looked for. */
const WAIT_MS = 24 * 60 * 60 * 1000;
const HASH = /^[0-9a-f]{64}$/i;
const HREF = /^https?:\/\/\S{1,2000}$/;

/** Is this refusal one after which the payment may still be on the ledger, to record? */
export function recoverable(err: unknown): boolean {
  if (!(err instanceof KomunitinError)) return true; // a fault of this hub (500): the payment is still there
  if (err instanceof LedgerVerdict) return false;
  if (err.code === KomunitinCode.TransactionError) return true; // the ledger may catch up
  return err.status !== 401 && err.status !== 403 && err.status !== 409;
}

const str = (v: unknown, max: number): string | undefined => (typeof v === 'string' && v.length <= max ? v : undefined);

export interface Recovery {
  /** After a POST /{CODE}/transfers was refused with `err`: keep its hash if it was a notify worth recovering. Never throws. */
  keep(c: Community, body: unknown, err: unknown, authorization: string | undefined): Promise<void>;
  /** The `komunitin.recover` job. */
  handler: DeliveryHandler;
}

export function createRecovery(deps: ProtocolDeps & { service: KomunitinService }): Recovery {
  const { db } = deps;

  const finish = (communityId: string, hash: string, patch: { state: 'recorded' | 'abandoned'; outcome: string; transfer_id?: string | null }) =>
    db.community(communityId, async (trx) => trx('komunitin_refused_notifies')
      .where({ community_id: communityId, hash }).update({ ...patch, updated_at: new Date() }));

  /** What a refused notify says, read leniently (it failed validation): null if it is not a notify with a hash. */
  const readNotify = (body: unknown): Omit<RefusedNotify, 'sub'> | null => {
    const data = (body as { data?: Record<string, any> } | null)?.data;
    if (!data || typeof data !== 'object') return null;
    const a = data.attributes ?? {};
    const payer = data.relationships?.payer?.data;
    const payee = data.relationships?.payee?.data;
    const hash = str(a.hash, 64);
    // A notify: a committed payment whose payer is on the other server.
    if (!hash || !HASH.test(hash) || payer?.meta?.external !== true || payee?.meta?.external === true) return null;
    const href = str(payer.meta.href, 2000);
    const meta = a.meta;
    const description = (typeof meta === 'string' ? meta : str(meta?.description, 1_000_000) ?? '').replace(/\u0000/g, '').slice(0, 2000);
    const id = str(data.id, 36);
    return {
      hash: hash.toLowerCase(), description,
      ...(id && UUID.test(id) ? { id: id.toLowerCase() } : {}),
      ...(href && HREF.test(href) ? { payerHref: href } : {}),
      ...(str(payee?.id, 100) ? { payeeId: payee.id as string } : {}),
    };
  };

  return {
    async keep(c, body, err, authorization) {
      try {
        if (!recoverable(err)) return;
        const n = readNotify(body);
        if (!n) return;
        let sub: string;
        try {
          sub = await verifyBearer(authorization);
        } catch {
          return; // nobody we know said so
        }
        const reason = err instanceof KomunitinError ? `${err.code}: ${err.detail}` : 'internal error';
        const kept = await db.community(c.id, async (trx) => {
          const [row] = await trx('komunitin_refused_notifies')
            .insert({ community_id: c.id, hash: n.hash, notify: JSON.stringify({ ...n, sub }), reason: reason.slice(0, 2000) })
            .onConflict(['community_id', 'hash']).ignore().returning('hash');
          if (row) await deps.deliveries.enqueue(trx, { communityId: c.id, kind: RECOVER, target: `ledger:${n.hash}`, payload: { hash: n.hash } });
          return !!row;
        });
        if (!kept) return;
        deps.logger.info({ community: c.code, hash: n.hash, reason }, 'a refused Komunitin notify is kept, to record its payment from the ledger');
        deps.deliveries.wake();
      } catch (e) {
        deps.logger.error({ err: e, community: c.code }, 'could not keep a refused Komunitin notify');
      }
    },

    async handler(d) {
      const { hash } = d.payload as { hash: string };
      const row = await db.community(d.communityId, async (trx) => trx('komunitin_refused_notifies').where({ community_id: d.communityId, hash }).first());
      if (!row || row.state !== 'pending') return { outcome: 'acknowledged', result: { state: row?.state ?? 'gone' } };
      const c = await deps.communities.getById(d.communityId);
      if (isCommunityError(c)) return { outcome: 'refused', reason: `community ${d.communityId}: ${c}` };
      const r = await deps.service.recover(c, { ...(row.notify as RefusedNotify), hash });
      if ('recorded' in r) {
        await finish(c.id, hash, { state: 'recorded', outcome: `recorded as ${r.recorded.id}`, transfer_id: r.recorded.transferId });
        deps.logger.info({ community: c.code, hash, transfer: r.recorded.transferId }, 'a payment whose Komunitin notify was refused is recorded from the ledger');
        return { outcome: 'acknowledged', result: { komunitin: r.recorded.id, transfer: r.recorded.transferId } };
      }
      if ('wait' in r && Date.now() - new Date(row.created_at).getTime() < WAIT_MS) return { outcome: 'retry', error: r.wait };
      const why = 'wait' in r ? `gave up: ${r.wait}` : r.abandon;
      await finish(c.id, hash, { state: 'abandoned', outcome: why });
      deps.logger.warn({ community: c.code, hash, why }, 'a refused Komunitin notify names no payment to record');
      return { outcome: 'refused', reason: why };
    },
  };
}
