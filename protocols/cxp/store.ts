/**
 * The member exchanges of the circle and what the hub remembers about them: the
 * registry row (hub-level, found by Hawk id or by uri before any community is known),
 * their keys (sealed in the vault through the core's keyring, under the exchange's
 * community key), Hawk nonces and balance mismatches (the exchange's own rows, isolated
 * by community). Limits in HOUR and the trade history are the core's (src/core/exchanges).
 */
import crypto from 'node:crypto';
import { Database, Trx } from '../../src/db/database';
import { sharedForget } from '../../src/db/changes';
import { byCommunity, groupCommit } from '../../src/db/group-commit';
import { BaseModel } from '../../src/db/model';
import { Keyring, Redacted } from '../../src/core';

export class CxpExchange extends BaseModel {
  static override tableName = 'cxp_exchanges';
  static override idColumn = 'community_id';
  static override bigintColumns = ['volume'];
  static override jsonAttributes = ['declared'];

  communityId!: string;
  uri!: string;
  uriKey!: string;
  title!: string;
  hawkId!: string;
  keyVersion!: number;
  ticks!: string;
  ratioPercent!: number;
  volume!: bigint | null;
  declared!: Record<string, unknown>;
  handshakeAt!: Date | null;
  legacy!: boolean;
  legacyIps!: string[];
  createdAt!: Date;
  updatedAt!: Date;
}

/**
 * How CXP names a site: "servername.com", "domain.org/mytown?q=", "http://…/". The
 * scheme, case, a trailing "?q=" and trailing slashes do not matter.
 */
export function uriKey(url: string): string {
  return url.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\?q=$/, '').replace(/\/+$/, '').toLowerCase();
}

/** Secrets of an exchange, by name; the community id keeps names unique in the keyring. */
const secretName = (communityId: string, what: 'hawk' | 'hawk-previous' | 'legacy') => `cxp.${what}-key@${communityId}`;

export const newHawkId = (): string => `cxp-${crypto.randomBytes(9).toString('base64url')}`;
export const newKey = (): string => crypto.randomBytes(32).toString('base64url');

export interface HawkCredentials {
  id: string;
  key: string;
  algorithm: 'sha256';
  /** Hawk's server side wants a user; it is the exchange's Hawk id. */
  user: string;
}

const credentials = (id: string, key: string): HawkCredentials => ({ id, key, algorithm: 'sha256', user: id });

export interface ExchangeStore {
  byHawkId(hawkId: string): Promise<CxpExchange | null>;
  byUriKey(key: string): Promise<CxpExchange | null>;
  byCommunity(communityId: string): Promise<CxpExchange | null>;
  list(): Promise<CxpExchange[]>;
  /** The key the exchange signs with now. */
  keys(ex: CxpExchange): Promise<{ current: HawkCredentials }>;
  /** The key before the last rotation, if any (accepted at handshake only). */
  previousKey(ex: CxpExchange): Promise<HawkCredentials | null>;
  legacyKey(ex: CxpExchange): Promise<Redacted<string> | null>;
  /**
   * Seal a key inside the caller's community transaction. `previous` stays valid for the
   * handshake only (a client whose rotation answer was lost); '' honours none.
   */
  sealHawkKey(trx: Trx, ex: Pick<CxpExchange, 'communityId'>, key: string, opts?: { previous?: string }): Promise<void>;
  sealLegacyKey(trx: Trx, communityId: string, key: string): Promise<void>;
  /** Record a nonce; false if it was seen already (a replay). */
  rememberNonce(ex: CxpExchange, nonce: string, ts: number, windowSec: number): Promise<boolean>;
  patch(communityId: string, patch: Partial<CxpExchange>, trx?: Trx): Promise<CxpExchange>;
  /**
   * A value derived from the exchanges' communities (e.g. an import-export account),
   * kept briefly and forgotten at every invalidate().
   */
  remember<T>(key: string, load: () => Promise<T>): Promise<T>;
  /** How many rows (and misses) are cached now: bounded, whatever the callers send. */
  cacheSize(): number;
  /** Forget cached rows (after a change made elsewhere in this process). */
  invalidate(): void;
}

/** Rows are cached briefly: every request looks its exchange up, changes are rare and local. */
const CACHE_MS = 2000;
/**
 * Misses are cached too (an unknown Hawk id is looked up once per CACHE_MS), so a client
 * sending a new random id with every request must not grow the cache without end.
 */
const CACHE_MAX_ENTRIES = 10_000;


/** The longest nonce the table takes (auth.ts refuses longer ones first): far within an index entry. */
const MAX_NONCE_LENGTH = 1024;

/** A Hawk nonce to remember until its timestamp leaves the skew window. */
interface Nonce {
  communityId: string;
  nonce: string;
  ts: number;
  /** Unix seconds. */
  expiresAt: number;
  /** This request's own mark: its write, found again when its transaction is run again, is not a replay. */
  attempt: string;
}

/**
 * The protocol builds one store and hands it to its governance operations too, so a
 * change made through governance is seen by the next CXP request at once.
 */
export function createExchangeStore(deps: { db: Database; keyring: Keyring; cacheMaxEntries?: number }): ExchangeStore {
  const { db, keyring } = deps;
  const maxEntries = deps.cacheMaxEntries ?? CACHE_MAX_ENTRIES;
  /**
   * Entries hold the promise of the load, so concurrent requests that miss together
   * share one query instead of each running its own (at 100 requests in flight, every
   * expiry used to cost 100 identical transactions, queued ahead of the real work).
   */
  const memo = new Map<string, { v: Promise<unknown>; until: number }>();
  /** Forgotten here and in every other hub process on the database (docs/scale-out.md). */
  const forget = sharedForget(db.changes, 'cxp.exchanges', () => memo.clear());
  let nonceWrites = 0;

  const remember = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    const hit = memo.get(key);
    if (hit && hit.until > Date.now()) return hit.v as Promise<T>;
    const v = load();
    if (memo.size >= maxEntries) {
      const now = Date.now();
      for (const [k, e] of memo) if (e.until <= now) memo.delete(k);
      // Still full of live entries: drop the oldest (a Map keeps insertion order).
      for (const k of memo.keys()) {
        if (memo.size < maxEntries) break;
        memo.delete(k);
      }
    }
    memo.set(key, { v, until: Date.now() + CACHE_MS });
    // A failed load is not remembered: the next request tries again. (invalidate()
    // drops the entry, so a load that began before a change is not kept past it.)
    v.catch(() => { if (memo.get(key)?.v === v) memo.delete(key); });
    return v;
  };

  const cached = (key: string, load: () => Promise<CxpExchange | undefined>): Promise<CxpExchange | null> =>
    remember(`row:${key}`, async () => (await load()) ?? null);

  const open = async (communityId: string, name: string): Promise<string | null> => {
    try {
      return (await keyring.lookup(communityId)(name)).reveal();
    } catch {
      return null; // never sealed (e.g. no rotation yet)
    }
  };

  /**
   * Nonces are written in groups (see group-commit.ts): one transaction each made the
   * nonce the busiest write of a try. Each caller still learns, before it goes on,
   * whether its own nonce was new.
   */
  const writeNonce = groupCommit<Nonce, boolean>(async (batch) => {
    // Expired nonces are swept now and then, in the same transaction.
    const sweep = (nonceWrites += batch.length) >= 200;
    if (sweep) nonceWrites = 0;
    const groups = [...byCommunity(batch)].map(([communityId, writes]) => {
      // The same nonce twice in one group: the first is the request, the second its replay.
      const first = new Map<string, Nonce>();
      for (const w of writes) if (!first.has(`${w.nonce}\u0000${w.ts}`)) first.set(`${w.nonce}\u0000${w.ts}`, w);
      return { communityId, first };
    });
    // One round trip for the group, all communities: see one-trip.ts.
    const results = await db.trip(groups.flatMap(({ communityId, first }) => [
      ...(sweep ? [{ communityId, sql: 'delete from cxp_nonces where community_id = ?::uuid and expires_at < now()', bindings: [communityId] }] : []),
      {
        communityId,
        // New nonces, and those this same request wrote in a run of this transaction
        // whose COMMIT went through before its connection was lost (the statement's
        // snapshot does not see what it inserts, so nothing is counted twice).
        sql: `with v as (select * from jsonb_to_recordset(?::jsonb) as v(nonce text, ts bigint, expires_at bigint, attempt uuid)),
              ins as (insert into cxp_nonces (community_id, nonce, ts, expires_at, attempt)
                        select ?::uuid, v.nonce, v.ts, to_timestamp(v.expires_at), v.attempt from v
                      on conflict do nothing returning nonce, ts)
              select nonce, ts from ins
              union all
              select n.nonce, n.ts from cxp_nonces n join v on n.nonce = v.nonce and n.ts = v.ts and n.attempt = v.attempt
               where n.community_id = ?::uuid`,
        bindings: [
          JSON.stringify([...first.values()].map((w) => ({ nonce: w.nonce, ts: w.ts, expires_at: w.expiresAt, attempt: w.attempt }))),
          communityId, communityId,
        ],
      },
    ]));
    const fresh = new Set<Nonce>();
    groups.forEach(({ first }, i) => {
      const inserted = results[sweep ? 2 * i + 1 : i] as Array<{ nonce: string; ts: string | number }>;
      for (const r of inserted) fresh.add(first.get(`${r.nonce}\u0000${Number(r.ts)}`)!);
    });
    return batch.map((n) => fresh.has(n));
  });

  const store: ExchangeStore = {
    byHawkId: (hawkId) => cached(`h:${hawkId}`, () => db.hub(async (trx) => CxpExchange.query(trx).findOne({ hawk_id: hawkId }))),
    byUriKey: (key) => cached(`u:${key}`, () => db.hub(async (trx) => CxpExchange.query(trx).findOne({ uri_key: key }))),
    byCommunity: (id) => cached(`c:${id}`, () => db.hub(async (trx) => CxpExchange.query(trx).findById(id))),
    list: () => db.hub(async (trx) => CxpExchange.query(trx).orderBy('uri_key')),

    async keys(ex) {
      const current = await open(ex.communityId, secretName(ex.communityId, 'hawk'));
      if (!current) throw new Error(`exchange ${ex.uriKey} has no Hawk key`);
      return { current: credentials(ex.hawkId, current) };
    },

    async previousKey(ex) {
      const previous = await open(ex.communityId, secretName(ex.communityId, 'hawk-previous'));
      return previous ? credentials(ex.hawkId, previous) : null; // '' = none
    },

    async legacyKey(ex) {
      const k = await open(ex.communityId, secretName(ex.communityId, 'legacy'));
      return k ? new Redacted(k) : null;
    },

    async sealHawkKey(trx, ex, key, opts = {}) {
      const seal = (name: string, secret: string) => keyring.store(trx, ex.communityId, { publicKey: name, secret: new Redacted(secret) });
      if (opts.previous !== undefined) await seal(secretName(ex.communityId, 'hawk-previous'), opts.previous);
      await seal(secretName(ex.communityId, 'hawk'), key);
    },

    async sealLegacyKey(trx, communityId, key) {
      await keyring.store(trx, communityId, { publicKey: secretName(communityId, 'legacy'), secret: new Redacted(key) });
    },

    rememberNonce(ex, nonce, ts, windowSec) {
      // Nonces share a transaction with other requests' (writeNonce): one that the table
      // cannot hold (a ts that is no integer, a key too long to index) would fail them all.
      if (!Number.isSafeInteger(ts) || ts < 0 || nonce.length > MAX_NONCE_LENGTH) {
        return Promise.reject(new RangeError(`nonce ${JSON.stringify(nonce.slice(0, 16))}… / ts ${ts}: not a Hawk nonce this hub stores`));
      }
      return writeNonce({ communityId: ex.communityId, nonce, ts, expiresAt: ts + windowSec + 1, attempt: crypto.randomUUID() });
    },

    async patch(communityId, patch, trx) {
      const run = async (t: Trx): Promise<CxpExchange> => CxpExchange.query(t).patchAndFetchById(communityId, { ...patch, updatedAt: new Date() });
      const ex = trx ? await run(trx) : await db.community(communityId, run);
      store.invalidate();
      return ex;
    },

    remember,
    cacheSize: () => memo.size,

    invalidate() {
      forget();
    },
  };
  return store;
}
