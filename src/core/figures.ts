/**
 * The hub's figures for operators (/metrics): transfers by state and by the protocol
 * that asked for them, and the outbox (deliveries still to tell the other side) by kind,
 * with the age of the oldest. A stuck outbox or transfers piling up in `submitted`
 * show here before anyone complains.
 *
 * One statement for all of it, across every community: it runs on the owner connection,
 * which Row Level Security does not restrict, and returns counts only, never a row. The
 * outbox part reads the partial index of pending deliveries; the transfer counts read
 * the table (a few million rows stay well under a second), within a statement timeout
 * so a slow database never holds a scrape.
 */
import { Database } from '../db/database';
import { TransferState } from './transfers/model';

export interface HubFigures {
  /** `protocol`: the first part of the idempotency key (cxp, komunitin, governance, compensation, …). */
  transfers: Array<{ protocol: string; state: TransferState; count: number }>;
  /** Deliveries due to the other side and not acknowledged yet, by kind (cxp.relay, komunitin.notify, …). */
  outbox: Array<{ kind: string; pending: number; oldestSeconds: number }>;
}

const FIGURES = `
  select
    (select coalesce(jsonb_agg(t), '[]'::jsonb) from (
      select split_part(idempotency_key, '|', 1) as protocol, state, count(*)::int as count
        from transfers group by 1, 2 order by 1, 2) t) as transfers,
    (select coalesce(jsonb_agg(d), '[]'::jsonb) from (
      select kind, count(*)::int as pending, extract(epoch from now() - min(created_at))::float8 as "oldestSeconds"
        from deliveries d where state = 'pending'
          -- a transfer's delivery joins the outbox once the transfer is settled (until then the transfer is the one waiting)
          and (transfer_id is null or exists (select 1 from transfers t where t.id = d.transfer_id and t.state in ('settled', 'delivered')))
        group by kind order by kind) d) as outbox`;

const TIMEOUT_MS = 2000;

export function createFigures(db: Database): () => Promise<HubFigures> {
  return async () => {
    const r = await db.owner.raw(FIGURES).timeout(TIMEOUT_MS, { cancel: true }) as { rows: Array<{ transfers: HubFigures['transfers']; outbox: HubFigures['outbox'] }> };
    return { transfers: r.rows[0].transfers, outbox: r.rows[0].outbox };
  };
}
