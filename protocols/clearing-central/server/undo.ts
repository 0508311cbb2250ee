/**
 * Keeping the buyer's books and the ledger together when a forward's outcome went
 * wrong: the buyer accepted (or may have: its reply was lost or garbled) but the
 * transfer did not settle. The row is moved to `undoing` with an outbox job, in one
 * transaction; the job edits the transaction back at the buyer (an edit to what stands
 * on the ledger: 0 for a new one), retried with the outbox's backoff, across restarts,
 * until the buyer says 1 (or that it never had it: 2, 13). A sweep finishes rows a
 * crash left `forwarding` or `accepted`.
 */
import { DeliveryHandler } from '../../../src/core';
import { Logger } from '../../../src/logger';
import { amountText } from '../translate';
import { Forwarder, htmlEscape } from './forward';
import { Registry, isServed } from './registry';
import { ServerService } from './service';
import { TxStore } from './transactions';

/** Buyer codes that mean nothing stands there any more. */
const DONE = new Set([1, 2, 13]);

export function undoHandler(deps: { registry: Registry; txs: TxStore; forwarder: Forwarder }): DeliveryHandler {
  const { registry, txs, forwarder } = deps;
  return async (d) => {
    const txid = (d.payload as { txid?: string }).txid ?? '';
    const t = await txs.get(d.communityId, txid);
    if (!t || t.state !== 'undoing') return { outcome: 'acknowledged', result: { state: t?.state ?? 'gone' } };
    const seller = await registry.byCommunity(t.communityId);
    const buyer = await registry.byCommunity(t.buyerCommunityId);
    if (!seller || !buyer || !isServed(buyer)) return { outcome: 'refused', reason: `txid ${txid}: its seller or buyer is no longer registered` };
    const o = await forwarder.forward(buyer.dataUrl!, buyer.requestFormat ?? 'post', [
      ['txid', t.txid], ['buyer_nid', buyer.nid], ['seller_nid', seller.nid], ['description', htmlEscape(t.description)], ['amount', amountText(t.buyerAmount)],
    ]);
    if (o.kind !== 'answer' || !DONE.has(o.code)) return { outcome: 'retry', error: `buyer ${buyer.nid}: ${o.kind === 'answer' ? `answered ${o.code}` : o.reason}` };
    const moved = await txs.move(t, ['undoing'], { state: t.amount === 0n ? 'undone' : 'settled' });
    return { outcome: 'acknowledged', result: { state: moved?.state ?? t.state } };
  };
}

/** Every `everyMs`, rows in flight for longer than `olderThanMs` are finished (undo or settle). */
export function startSweep(deps: { registry: Registry; server: ServerService; logger: Logger; everyMs: number; olderThanMs: number }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void (async () => {
      for (const m of await deps.registry.list()) {
        if (isServed(m)) await deps.server.finishStale(m.communityId, deps.olderThanMs);
      }
    })().catch((err: unknown) => deps.logger.warn({ err }, 'clearing central sweep failed; tried again later')).finally(() => { running = false; });
  }, deps.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
