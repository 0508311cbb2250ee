/**
 * Reconciliation of bills sent to Clearing Central. Every bill is written with a job of
 * the durable outbox (`clearing-central.reconcile`), so one whose answer was lost, whose
 * send a crash cut, or whose payment here could not settle yet is asked about again —
 * retried with the outbox's backoff, across restarts — until it is final. Asking is
 * sending the same txid again (outgoing.ts): a bill that never reached Clearing Central
 * is then answered for real; one that did gets `6`, which does not say whether it was
 * completed, so that bill is left to the governing body (its delivery ends `refused`
 * with the reason, where failing deliveries are looked at).
 */
import { DeliveryHandler, DeliveryOutcome } from '../../src/core';
import { CcBill, OutgoingService } from './outgoing';

export function reconcileHandler(deps: { outgoing: OutgoingService; resolveAfterMs: number }): DeliveryHandler {
  const verdict = (b: CcBill): DeliveryOutcome | null => {
    if (b.state === 'paid' || b.state === 'refused') return { outcome: 'acknowledged', result: { state: b.state } };
    if (b.state === 'unknown' && b.code === 6) {
      return { outcome: 'refused', reason: `bill ${b.txid}: Clearing Central had it from an earlier attempt (6); only the CES exchange can say whether it was completed: resolve it as paid or failed` };
    }
    return null;
  };
  return async (d) => {
    const txid = (d.payload as { txid?: string }).txid ?? '';
    const b = await deps.outgoing.get(d.communityId, txid);
    if (!b) return { outcome: 'acknowledged', result: { state: 'gone' } };
    const now = verdict(b);
    if (now) return now;
    // An attempt in flight (or just answered): let it rest before asking again.
    if (Date.now() - b.updatedAt.getTime() < deps.resolveAfterMs) return { outcome: 'retry', error: `bill ${txid} is ${b.state}; asked again after it rests` };
    const after = await deps.outgoing.resolve(d.communityId, txid, undefined, 'reconciliation');
    return (after && verdict(after)) ?? { outcome: 'retry', error: `bill ${txid} is still ${after?.state ?? 'open'}: ${after?.message ?? ''}` };
  };
}
