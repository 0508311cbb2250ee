/**
 * The durable outbox. A delivery is written in the same transaction as the state
 * change that calls for it, so it exists exactly when the change does; a worker then
 * hands it to the protocol client registered for its kind, again and again with
 * exponential backoff, until the other side acknowledges or refuses. That makes
 * delivery at-least-once: a crash after the peer acknowledged but before we recorded it
 * delivers again, so receivers must be idempotent (Komunitin: by transaction hash; CXP:
 * by temp_id). A refusal is final and is handed to the refusal listeners (compensation).
 */
import { randomUUID } from 'node:crypto';
import { Database, Trx } from '../../db/database';
import { acrossCommunities, byCommunity, groupCommit } from '../../db/group-commit';
import { Logger } from '../../logger';
import { isUnavailable } from '../../unavailable';
import { Delivery } from './model';
import { ownerGone } from '../processes';

export type DeliveryOutcome =
  | { outcome: 'acknowledged'; result?: unknown }
  /** The other side said no for good (e.g. its account limit): no retry. */
  | { outcome: 'refused'; reason: string; result?: unknown }
  /** Not reached or not answered: try again later. */
  | { outcome: 'retry'; error: string };

export type DeliveryHandler = (d: Delivery) => Promise<DeliveryOutcome>;

export interface NewDelivery {
  communityId: string;
  transferId?: string;
  kind: string;
  target: string;
  payload: unknown;
}

/** Write a delivery in the caller's transaction (its community already entered). */
export async function insertDelivery(trx: Trx, d: NewDelivery): Promise<void> {
  await trx('deliveries')
    .insert({ community_id: d.communityId, transfer_id: d.transferId ?? null, kind: d.kind, target: d.target, payload: JSON.stringify(d.payload) })
    .onConflict(trx.raw('(kind, transfer_id) where transfer_id is not null')).ignore();
}

/** A delivery row read as JSON (to_jsonb in a statement that writes several tables). */
export function deliveryFromJson(j: Record<string, unknown>): Delivery {
  const d = Delivery.fromDatabaseJson(j);
  for (const k of ['nextAttemptAt', 'createdAt', 'updatedAt'] as const) d[k] = new Date(d[k] as unknown as string);
  return d;
}

export interface DeliveryService {
  /** Inside the caller's community transaction; a second one for the same transfer and kind is ignored. */
  enqueue(trx: Trx, d: NewDelivery): Promise<void>;
  register(kind: string, handler: DeliveryHandler): void;
  /** Called once for every refused delivery, after it is recorded (compensation). */
  onRefused(listener: (d: Delivery) => Promise<void>): void;
  /**
   * Attempt a transfer's delivery of `kind` at once, for protocols that answer their
   * caller with the other side's answer; the row after the attempt, or null if there is
   * none. A delivery already final is returned as it is, and one the worker is attempting
   * right now is awaited, not attempted twice.
   */
  deliverNow(communityId: string, transferId: string, kind: string): Promise<Delivery | null>;
  /**
   * A delivery this process has just written with its transfer, now settled: a
   * deliverNow for it attempts it without reading it back first.
   */
  remember(d: Delivery): void;
  forTransfer(communityId: string, transferId: string): Promise<Delivery[]>;
  /** Attempt every delivery that is due; resolves with how many were attempted. */
  runDue(): Promise<number>;
  /** Attempt soon (after an enqueue), instead of at the next poll. */
  wake(): void;
  start(): void;
  stop(): Promise<void>;
}

export interface DeliveryOptions {
  /** Wait after the first failure; doubles each time. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  pollMs?: number;
  /** Deliveries attempted at once. */
  concurrency?: number;
}

type DeliveryPatch = Pick<Delivery, 'attempts' | 'lastError'> & Partial<Pick<Delivery, 'state' | 'result' | 'nextAttemptAt'>>;

/**
 * The outcomes of a group of one community's deliveries, in one statement. `result` is
 * set only where the outcome has one (`has_result`), as a single-row patch would. A
 * transfer whose delivery was acknowledged becomes `delivered` when nothing about it is
 * left to tell: no other delivery of it pending, and none of this group still pending
 * (the statement's parts all see the rows as they were before it, hence both checks).
 */
const PATCH_GROUP = `
  with patched as (
    update deliveries d set
      state = coalesce(v.state, d.state),
      attempts = v.attempts,
      last_error = v.last_error,
      result = case when v.has_result then v.result else d.result end,
      next_attempt_at = coalesce(v.next_attempt_at, d.next_attempt_at),
      updated_at = now()
    from jsonb_to_recordset(?::jsonb) as v(id uuid, state text, attempts int, last_error text, has_result boolean, result jsonb, next_attempt_at timestamptz)
    where d.id = any(?::uuid[]) and d.id = v.id and d.owner = ?::uuid
    returning d.*
  ), t as (
    update transfers t set state = 'delivered', updated_at = now()
    where t.id = any(?::uuid[]) and t.state = 'settled'
      and not exists (select 1 from deliveries x where x.transfer_id = t.id and x.state = 'pending' and x.id <> all(?::uuid[]))
      and not exists (select 1 from patched p where p.transfer_id = t.id and p.state = 'pending')
  )
  select * from patched`;

export function backoff(attempts: number, base: number, max: number): number {
  const exp = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.8 + Math.random() * 0.4)); // jitter: peers coming back are not stampeded
}

export function createDeliveryService(deps: {
  db: Database; logger: Logger;
  /**
   * This process (core/processes.ts). A delivery is attempted by its owner only: this
   * process claims one first (FOR UPDATE SKIP LOCKED) when it has no owner or its owner
   * is dead, so two processes never attempt the same delivery at once.
   */
  processId?: string;
}, opts: DeliveryOptions = {}): DeliveryService {
  const { db, logger } = deps;
  const me = deps.processId ?? randomUUID();
  const base = opts.baseDelayMs ?? 1000;
  const max = opts.maxDelayMs ?? 10 * 60 * 1000;
  const pollMs = opts.pollMs ?? 1000;
  const concurrency = opts.concurrency ?? 16;
  const handlers = new Map<string, DeliveryHandler>();
  const refusedListeners: Array<(d: Delivery) => Promise<void>> = [];
  let running: Promise<number> | null = null;
  let stopped = true;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;

  /**
   * Deliveries of transfers settled just now, never attempted, by kind and transfer. An
   * attempt takes its entry out first, so a row found here is exactly as written: not
   * attempted by the worker meanwhile. Bounded: one nobody asks for (left to the
   * worker) ages out.
   */
  const fresh = new Map<string, Delivery>();
  /** Ids attempted lately, so a row remembered after the worker got to it is not taken as fresh. */
  const attempted = new Set<string>();
  const FRESH_MAX = 10_000;
  const freshKey = (kind: string, transferId: string | null) => `${kind}|${transferId}`;
  const bound = (c: Map<string, unknown> | Set<string>) => {
    for (const k of c.keys()) {
      if (c.size <= FRESH_MAX) break;
      c.delete(k); // the oldest first
    }
  };

  /** Attempts under way in this process, so the worker and deliverNow never overlap. */
  const inflight = new Map<string, Promise<Delivery>>();
  const attempt = (d: Delivery): Promise<Delivery> => {
    fresh.delete(freshKey(d.kind, d.transferId));
    attempted.add(d.id);
    bound(attempted);
    const running = inflight.get(d.id);
    if (running) return running;
    const task = attemptOnce(d).finally(() => inflight.delete(d.id));
    inflight.set(d.id, task);
    return task;
  };

  /** The outcomes of attempts, written in groups (see group-commit.ts). */
  const writeOutcome = groupCommit<{ d: Delivery; patch: DeliveryPatch; acknowledged: boolean }, Delivery>(async (items) => {
    const groups = [...byCommunity(items.map((i) => ({ ...i, communityId: i.d.communityId })))];
    // One round trip for the group, all communities (one-trip.ts).
    const results = await db.trip(groups.map(([communityId, group]) => {
      const values = group.map(({ d, patch }) => ({
        id: d.id, state: patch.state ?? null, attempts: patch.attempts, last_error: patch.lastError,
        has_result: 'result' in patch, result: patch.result ?? null, next_attempt_at: patch.nextAttemptAt?.toISOString() ?? null,
      }));
      const ids = group.map((i) => i.d.id);
      const acknowledged = group.filter((i) => i.acknowledged && i.d.transferId).map((i) => i.d.transferId!);
      return { communityId, sql: PATCH_GROUP, bindings: [JSON.stringify(values), ids, me, acknowledged, ids] };
    }));
    const rows = new Map<string, Delivery>();
    for (const updated of results) for (const r of updated) rows.set(r.id as string, Delivery.fromDatabaseJson(r));
    return items.map((i) => rows.get(i.d.id) ?? new Error(`delivery ${i.d.id} is gone`));
  });

  const attemptOnce = async (d: Delivery): Promise<Delivery> => {
    const handler = handlers.get(d.kind)!;
    let o: DeliveryOutcome;
    try {
      o = await handler(d);
    } catch (err) {
      o = { outcome: 'retry', error: (err as Error).message };
    }
    const attempts = d.attempts + 1;
    const patch = o.outcome === 'acknowledged'
      ? { state: 'delivered' as const, attempts, result: o.result ?? null, lastError: null }
      : o.outcome === 'refused'
        ? { state: 'refused' as const, attempts, result: o.result ?? null, lastError: o.reason }
        : { attempts, lastError: o.error, nextAttemptAt: new Date(Date.now() + backoff(attempts, base, max)) };
    const updated = await writeOutcome({ d, patch, acknowledged: o.outcome === 'acknowledged' });
    if (o.outcome === 'retry') logger.warn({ delivery: d.id, kind: d.kind, attempts, error: o.error }, 'delivery not acknowledged; will retry');
    if (o.outcome === 'refused') {
      logger.warn({ delivery: d.id, kind: d.kind, reason: o.reason }, 'delivery refused');
      for (const l of refusedListeners) {
        await l(updated).catch((err) => logger.error({ err, delivery: d.id }, 'refusal listener failed'));
      }
    }
    return updated;
  };

  // A transfer's delivery waits until the transfer is settled (it is written with it).
  const READY = `(transfer_id is null or exists (select 1 from transfers t
    where t.id = deliveries.transfer_id and t.state in ('settled', 'delivered')))`;

  /** Due rows of a community that no live process but this one owns, made this process's (others' locked rows skipped). */
  const CLAIM_DUE = `
    update deliveries d set owner = ?::uuid from (
      select id from deliveries
      where community_id = ? and state = 'pending' and next_attempt_at <= now() and kind = any(?::text[]) and ${READY}
        and (owner = ?::uuid or ${ownerGone('owner')})
      order by next_attempt_at limit ? for update skip locked
    ) c
    where d.id = c.id
    returning d.*`;

  const due = async (): Promise<number> => {
    if (handlers.size === 0) return 0; // no protocol delivers anything yet
    const kinds = [...handlers.keys()];
    const communities: Array<{ id: string }> = await db.hub(async (trx) =>
      (await trx.raw('select id from communities_with_due_deliveries(?::text[], ?::uuid) as id', [kinds, me])).rows);
    let n = 0;
    for (const c of communities) {
      const rows = (await db.community(c.id, async (trx) => (await trx.raw(CLAIM_DUE, [me, c.id, kinds, me, concurrency * 4])).rows) as Array<Record<string, unknown>>)
        .map(deliveryFromJson).sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime());
      for (let i = 0; i < rows.length; i += concurrency) {
        await Promise.all(rows.slice(i, i + concurrency).map(attempt));
      }
      n += rows.length;
    }
    return n;
  };

  /** Make `d` this process's, unless a live process owns it (null then). */
  const claim = async (d: Delivery): Promise<Delivery | null> => {
    if (d.owner === me) return d;
    const rows = await db.community(d.communityId, async (trx) => (await trx.raw(`
      update deliveries set owner = ?::uuid where id = ? and state = 'pending' and (owner = ?::uuid or ${ownerGone('owner')}) returning *`, [me, d.id, me])).rows);
    return rows.length === 1 ? deliveryFromJson(rows[0]) : null;
  };

  /** deliverNow's look-ups, in groups (see group-commit.ts). */
  const findReady = groupCommit<{ communityId: string; transferId: string; kind: string }, Delivery | null>((items) => {
    const groups = byCommunity(items);
    return acrossCommunities(db, [...groups.keys()], async (trx, enter) => {
      const found = new Map<string, Delivery>();
      for (const [communityId, group] of groups) {
        await enter(communityId);
        const rows = await Delivery.query(trx).where({ community_id: communityId })
          .whereIn(['kind', 'transfer_id'], group.map((i) => [i.kind, i.transferId])).whereRaw(READY);
        for (const r of rows) found.set(`${r.kind}|${r.transferId}`, r);
      }
      return items.map((i) => found.get(`${i.kind}|${i.transferId}`) ?? null);
    });
  });

  const service: DeliveryService = {
    enqueue: insertDelivery,
    register(kind, handler) {
      handlers.set(kind, handler);
    },
    onRefused(listener) {
      refusedListeners.push(listener);
    },
    remember(d) {
      if (attempted.has(d.id)) return;
      fresh.set(freshKey(d.kind, d.transferId), d);
      bound(fresh);
    },
    async deliverNow(communityId, transferId, kind) {
      const known = fresh.get(freshKey(kind, transferId));
      if (known && handlers.has(kind)) return attempt(known);
      const d = await findReady({ communityId, transferId, kind });
      if (!d) return null;
      if (d.state !== 'pending' || !handlers.has(kind)) return d;
      // Backing off after a failure: a caller repeating its request does not hammer a peer that is down.
      if (d.attempts > 0 && d.nextAttemptAt.getTime() > Date.now()) return inflight.get(d.id) ?? d;
      const running = inflight.get(d.id);
      if (running) return running;
      // Another live process attempts it: its answer will be the row's.
      const mine = await claim(d);
      return mine ? attempt(mine) : d;
    },

    forTransfer: (communityId, transferId) =>
      db.community(communityId, async (trx) => Delivery.query(trx).where({ transfer_id: transferId }).orderBy('created_at')),

    runDue() {
      // One pass at a time: a delivery is never attempted twice at once in this process.
      running ??= due().finally(() => { running = null; });
      return running;
    },
    wake() {
      const w = wakeUp;
      wakeUp = null;
      w?.();
    },
    start() {
      if (!stopped) return;
      stopped = false;
      loop = (async () => {
        while (!stopped) {
          try {
            await service.runDue();
          } catch (err) {
            // The database unreachable: nothing is lost (the outbox is in it), the next pass tries again.
            if (isUnavailable(err)) logger.warn({ reason: err.message }, 'delivery pass skipped: the database is unavailable');
            else logger.error({ err }, 'delivery pass failed');
          }
          if (stopped) break;
          await new Promise<void>((r) => {
            const t = setTimeout(r, pollMs);
            wakeUp = () => { clearTimeout(t); r(); };
          });
        }
      })();
    },
    async stop() {
      stopped = true;
      service.wake();
      await loop;
      await running;
    },
  };
  return service;
}
