/**
 * Writes of many transfers, grouped into one transaction per turn.
 *
 * New transfers that arrive together are inserted together (concurrent requests cost
 * one transaction, not one each). State changes of the transfers that share one
 * envelope are written together.
 *
 * The submission engine batches transfers into one envelope and runs every one's
 * submit hook in the same turn, and settles them all in the same turn too. Writing
 * them one by one would be wrong and slow: wrong, because a crash part-way through the
 * "submitted" writes would leave batch-mates `new` while recovery of the others
 * resubmits the envelope, which pays them too, and they would later be paid again;
 * slow, because a batch of 99 would cost 99 transactions. So each group (one envelope)
 * is written in one transaction on the next turn: every row compare-and-set on its
 * expected state, switching community between rows (RLS admits one at a time), and if
 * any row is not where it should be, nothing is written.
 */
import { Database, Trx } from '../../db/database';
import { acrossCommunities } from '../../db/group-commit';
import { NewDelivery, insertDeliveries } from '../deliveries/service';
import { Transfer, TransferState } from './model';

/** The fields a grouped write may set. */
export type TransferPatch = Partial<Pick<Transfer, 'state' | 'ledgerHash' | 'sendMax' | 'sourceAmount' | 'path'>>;

interface Pending {
  t: Transfer;
  patch: TransferPatch;
  from: TransferState[];
  done(r: Transfer | Error): void;
}

/**
 * One UPDATE for a whole group of one community: the rows travel as a JSON recordset,
 * each compare-and-set on its own expected states. Unset fields keep their value. The
 * ids also come as an array so the planner finds the rows by primary key: joined with
 * the recordset alone it scans the whole table, and grows slower with every transfer.
 */
const UPDATE_GROUP = `
  update transfers t set
    state = coalesce(v.state, t.state),
    ledger_hash = coalesce(v.ledger_hash, t.ledger_hash),
    send_max = coalesce(v.send_max, t.send_max),
    source_amount = coalesce(v.source_amount, t.source_amount),
    path = coalesce(v.path, t.path),
    updated_at = now()
  from jsonb_to_recordset(?::jsonb) as v(id uuid, state text, ledger_hash text, send_max bigint, source_amount bigint, path jsonb, from_states text[])
  where t.id = any(?::uuid[]) and t.id = v.id and t.state = any(v.from_states)
  returning t.*`;

const asRow = (p: Pending) => ({
  id: p.t.id,
  state: p.patch.state ?? null,
  ledger_hash: p.patch.ledgerHash ?? null,
  send_max: p.patch.sendMax?.toString() ?? null,
  source_amount: p.patch.sourceAmount?.toString() ?? null,
  path: p.patch.path ?? null,
  from_states: p.from,
});

/** A new transfer as it is first written (snake_case columns, amounts as strings). */
export interface NewTransferRow {
  community_id: string;
  payee_community_id: string;
  idempotency_key: string;
  request_hash: string;
  payer_account_id: string;
  payee_account_id: string;
  amount: string;
  meta: string;
}

/** Told to the other side once the transfer is settled (written with the transfer). */
export interface TransferDelivery {
  kind: string;
  target: string;
  payload: unknown;
}

export interface GroupedWriter {
  /**
   * Insert a new transfer, or find the one an earlier request with the same key made
   * (null: the key belongs to another community's transfer). Requests arriving in the
   * same turn share one transaction.
   */
  insertOrFind(row: NewTransferRow, delivery?: TransferDelivery): Promise<Transfer | null>;
  /**
   * Patch `t` (expected in one of `from`) together with every other write of the same
   * `group` made in this turn. `once` runs first in that transaction, once per group.
   */
  write(group: string, t: Transfer, patch: TransferPatch, from: TransferState[], once?: (trx: Trx) => Promise<void>): Promise<Transfer>;
}

export function createGroupedWriter(db: Database): GroupedWriter {
  const groups = new Map<string, { pending: Pending[]; once?: (trx: Trx) => Promise<void> }>();

  const flush = async (key: string): Promise<void> => {
    const group = groups.get(key)!;
    groups.delete(key);
    try {
      const byCommunity = new Map<string, Pending[]>();
      for (const p of group.pending) byCommunity.set(p.t.communityId, [...(byCommunity.get(p.t.communityId) ?? []), p]);
      const rows = await acrossCommunities(db, [...byCommunity.keys()], async (trx, enter) => {
        await group.once?.(trx);
        const out = new Map<string, Transfer>();
        for (const [community, pending] of byCommunity) {
          await enter(community);
          const { rows: updated } = await trx.raw(UPDATE_GROUP, [JSON.stringify(pending.map(asRow)), pending.map((p) => p.t.id)]);
          for (const r of updated as Array<Record<string, unknown>>) out.set(r.id as string, Transfer.fromDatabaseJson(r));
          const stale = pending.find((p) => !out.has(p.t.id));
          if (stale) throw new Error(`transfer ${stale.t.id} is no longer in state ${stale.from.join('/')}`);
        }
        return out;
      });
      for (const p of group.pending) p.done(rows.get(p.t.id)!);
    } catch (err) {
      for (const p of group.pending) p.done(err as Error);
    }
  };

  let inserts: Array<{ row: NewTransferRow; delivery?: TransferDelivery; done(r: Transfer | null | Error): void }> | null = null;
  const flushInserts = async (): Promise<void> => {
    const batch = inserts!;
    inserts = null;
    try {
      const byCommunity = new Map<string, NewTransferRow[]>();
      const deliveryOf = new Map<string, TransferDelivery>();
      for (const { row, delivery } of batch) {
        byCommunity.set(row.community_id, [...(byCommunity.get(row.community_id) ?? []), row]);
        if (delivery) deliveryOf.set(row.idempotency_key, delivery);
      }
      const found = await acrossCommunities(db, [...byCommunity.keys()], async (trx, enter) => {
        const out = new Map<string, Transfer>();
        for (const [community, rows] of byCommunity) {
          await enter(community);
          const inserted = await trx('transfers').insert(rows).onConflict('idempotency_key').ignore().returning('*');
          const deliveries: NewDelivery[] = [];
          for (const r of inserted) {
            const t = Transfer.fromDatabaseJson(r);
            out.set(t.idempotencyKey, t);
            // Only with the row that is new: a repeated request finds its delivery already there.
            const d = deliveryOf.get(t.idempotencyKey);
            if (d) deliveries.push({ ...d, communityId: t.communityId, transferId: t.id });
          }
          await insertDeliveries(trx, deliveries);
          const missing = rows.map((r) => r.idempotency_key).filter((k) => !out.has(k));
          if (missing.length > 0) {
            for (const r of await trx('transfers').whereIn('idempotency_key', missing)) {
              out.set(r.idempotency_key as string, Transfer.fromDatabaseJson(r));
            }
          }
        }
        return out;
      });
      for (const b of batch) b.done(found.get(b.row.idempotency_key) ?? null);
    } catch (err) {
      for (const b of batch) b.done(err as Error);
    }
  };

  return {
    insertOrFind(row, delivery) {
      return new Promise((resolve, reject) => {
        if (!inserts) {
          inserts = [];
          setImmediate(() => void flushInserts());
        }
        inserts.push({ row, delivery, done: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      });
    },

    write(key, t, patch, from, once) {
      return new Promise((resolve, reject) => {
        let group = groups.get(key);
        if (!group) {
          group = { pending: [], once };
          groups.set(key, group);
          // Every write of the group arrives in this turn (see above): flush on the next.
          setImmediate(() => void flush(key));
        }
        group.pending.push({ t, patch, from, done: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      });
    },
  };
}
