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
import { Database } from '../../db/database';
import { unconfined } from '../../db/confine';
import { Delivery } from '../deliveries/model';
import { deliveryFromJson } from '../deliveries/service';
import { Transfer, TransferState } from './model';
import { isUnavailable } from '../../unavailable';

/** The fields a grouped write may set. */
export type TransferPatch = Partial<Pick<Transfer, 'state' | 'ledgerHash' | 'sendMax' | 'sourceAmount' | 'path'>>;

interface Pending {
  t: Transfer;
  patch: TransferPatch;
  from: TransferState[];
  done(r: Transfer | Error): void;
}

/**
 * A whole group of one community in one statement: patch_transfers (see its migration)
 * updates the rows, which travel as a JSON recordset, each compare-and-set on its own
 * expected states (unset fields keep their value), and raises unless every row was
 * where it was expected. The ids also come as an array so the planner finds the rows by
 * primary key: joined with the recordset alone it scans the whole table.
 */
const PATCH_GROUP = 'select * from patch_transfers(?::jsonb, ?::uuid[])';

/** The envelope about to be sent, recorded in the same trip as its transfers' state. */
const RECORD_SUBMISSION = 'insert into submissions (hash, envelope) values (?, ?) on conflict (hash) do nothing';

/** States before settlement: a patch from one of them is written only while `owner` owns the row. */
const UNSETTLED: TransferState[] = ['new', 'quoted', 'submitted'];

const asRow = (owner: string) => (p: Pending) => ({
  id: p.t.id,
  owner: p.from.some((s) => UNSETTLED.includes(s)) ? owner : null,
  state: p.patch.state ?? null,
  ledger_hash: p.patch.ledgerHash ?? null,
  send_max: p.patch.sendMax?.toString() ?? null,
  source_amount: p.patch.sourceAmount?.toString() ?? null,
  path: p.patch.path ?? null,
  from_states: p.from,
});

/**
 * New transfers of one community and their deliveries, in one statement: the rows and
 * each one's delivery travel as a JSON recordset; a key already taken inserts nothing
 * (its transfer is read back by the caller). Each new row comes back with the delivery
 * written for it, if any.
 */
const INSERT_GROUP = `
  with v as (
    select * from jsonb_to_recordset(?::jsonb) as v(community_id uuid, payee_community_id uuid, idempotency_key text, request_hash text,
      payer_account_id uuid, payee_account_id uuid, amount bigint, meta text, owner uuid, d_kind text, d_target text, d_payload jsonb)
  ), t as (
    insert into transfers (community_id, payee_community_id, idempotency_key, request_hash, payer_account_id, payee_account_id, amount, meta, owner)
    select community_id, payee_community_id, idempotency_key, request_hash, payer_account_id, payee_account_id, amount, meta, owner from v
    on conflict (idempotency_key) do nothing
    returning *
  ), d as (
    insert into deliveries (community_id, transfer_id, kind, target, payload, owner)
    select t.community_id, t.id, v.d_kind, v.d_target, v.d_payload, v.owner from t join v using (idempotency_key) where v.d_kind is not null
    on conflict (kind, transfer_id) where transfer_id is not null do nothing
    returning *
  )
  select t.*, (select to_jsonb(d) from d where d.transfer_id = t.id) as new_delivery from t`;

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
  insertOrFind(row: NewTransferRow, delivery?: TransferDelivery): Promise<Inserted>;
  /**
   * Patch `t` (expected in one of `from`) together with every other write of the same
   * `group` made in this turn; `submission`, the envelope about to be sent, is recorded
   * in the same transaction (once, whatever the group's size).
   */
  write(group: string, t: Transfer, patch: TransferPatch, from: TransferState[], submission?: Submission): Promise<Transfer>;
}

/**
 * A transfer inserted (or found: t null when its key is another community's), and the
 * delivery written with it if it is new and has one.
 */
export interface Inserted {
  t: Transfer | null;
  delivery: Delivery | null;
}

/** An envelope recorded before it is sent (recovery asks the ledger about it by hash). */
export interface Submission {
  hash: string;
  envelope: string;
}

/**
 * `owner`: this process (core/processes.ts). It owns the transfers it inserts and their
 * deliveries, and every patch is written only while it still owns the row.
 */
export function createGroupedWriter(db: Database, owner: string): GroupedWriter {
  const groups = new Map<string, { pending: Pending[]; submission?: Submission }>();

  const flush = async (key: string): Promise<void> => {
    const group = groups.get(key)!;
    groups.delete(key);
    try {
      const byCommunity = new Map<string, Pending[]>();
      for (const p of group.pending) byCommunity.set(p.t.communityId, [...(byCommunity.get(p.t.communityId) ?? []), p]);
      // One round trip, one transaction (one-trip.ts): a stale row anywhere undoes it all.
      const groups = [...byCommunity];
      const submission = group.submission
        ? [{ communityId: groups[0][0], sql: RECORD_SUBMISSION, bindings: [group.submission.hash, group.submission.envelope] }]
        : [];
      const results = await db.trip([
        ...submission,
        ...groups.map(([communityId, pending]) => ({
          communityId, sql: PATCH_GROUP, bindings: [JSON.stringify(pending.map(asRow(owner))), pending.map((p) => p.t.id)],
        })),
      ]);
      const rows = new Map<string, Transfer>();
      for (const updated of results.slice(submission.length)) for (const r of updated) rows.set(r.id as string, Transfer.fromDatabaseJson(r));
      for (const p of group.pending) p.done(rows.get(p.t.id) ?? new Error(`transfer ${p.t.id} was not written`));
    } catch (err) {
      for (const p of group.pending) p.done(err as Error);
    }
  };

  let inserts: Array<{ row: NewTransferRow; delivery?: TransferDelivery; done(r: Inserted | Error): void }> | null = null;
  const flushInserts = async (): Promise<void> => {
    const batch = inserts!;
    inserts = null;
    await insertGroup(batch);
  };
  const insertGroup = async (batch: NonNullable<typeof inserts>): Promise<void> => {
    try {
      const byCommunity = new Map<string, Array<Record<string, unknown>>>();
      for (const { row, delivery } of batch) {
        // The delivery goes only with a row that is new: a repeated request finds its own there.
        const v = { ...row, owner, d_kind: delivery?.kind ?? null, d_target: delivery?.target ?? null, d_payload: delivery?.payload ?? null };
        byCommunity.set(row.community_id, [...(byCommunity.get(row.community_id) ?? []), v]);
      }
      // One round trip for the group, all communities (one-trip.ts).
      const groups = [...byCommunity];
      const results = await db.trip(groups.map(([communityId, rows]) => ({ communityId, sql: INSERT_GROUP, bindings: [JSON.stringify(rows)] })));
      const found = new Map<string, Transfer>();
      const created = new Map<string, Delivery>();
      for (const inserted of results) {
        for (const { new_delivery: d, ...r } of inserted) {
          const t = Transfer.fromDatabaseJson(r);
          found.set(t.idempotencyKey, t);
          if (d) created.set(t.id, deliveryFromJson(d as Record<string, unknown>));
        }
      }
      // Keys already taken (a repeated request): their transfers, as they are now.
      for (const [communityId, rows] of groups) {
        const missing = rows.map((r) => r.idempotency_key as string).filter((k) => !found.has(k));
        if (missing.length === 0) continue;
        for (const r of await db.community(communityId, (trx) => trx('transfers').whereIn('idempotency_key', missing))) {
          found.set(r.idempotency_key as string, Transfer.fromDatabaseJson(r));
        }
      }
      for (const b of batch) {
        const t = found.get(b.row.idempotency_key) ?? null;
        b.done({ t, delivery: (t && created.get(t.id)) ?? null });
      }
    } catch (err) {
      // The group's one transaction was undone whole: written again one by one, so only
      // the request the database refuses fails, not the others that came with it. An
      // outage (the database already retried it) is everyone's: all are told at once.
      if (batch.length === 1 || isUnavailable(err)) for (const b of batch) b.done(err as Error);
      else for (const b of batch) await insertGroup([b]);
    }
  };

  return {
    insertOrFind(row, delivery) {
      return new Promise((resolve, reject) => {
        if (!inserts) {
          inserts = [];
          unconfined(() => setImmediate(() => void flushInserts()));
        }
        inserts.push({ row, delivery, done: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      });
    },

    write(key, t, patch, from, submission) {
      return new Promise((resolve, reject) => {
        let group = groups.get(key);
        if (!group) {
          group = { pending: [], submission };
          groups.set(key, group);
          // Every write of the group arrives in this turn (see above): flush on the next.
          unconfined(() => setImmediate(() => void flush(key)));
        }
        group.pending.push({ t, patch, from, done: (r) => (r instanceof Error ? reject(r) : resolve(r)) });
      });
    },
  };
}
