/**
 * What the hub remembers about Clearing Central: each community's connection (its own
 * row, read in its scope), the CES exchanges admitted (hub-wide registry, by NID), the
 * requests from exchanges nobody admitted (pending admissions, the community's own
 * rows), and the connection's secrets sealed in the vault under the community's key.
 * Rows every forwarded bill reads are kept for a moment; governance changes forget them.
 */
import crypto from 'node:crypto';
import { Database, Trx } from '../../src/db/database';
import { sharedForget } from '../../src/db/changes';
import { BaseModel } from '../../src/db/model';
import { Keyring, Redacted } from '../../src/core';

export class CcConnection extends BaseModel {
  static override tableName = 'cc_connections';
  static override idColumn = 'community_id';

  communityId!: string;
  baseUrl!: string;
  nid!: string;
  allowedIps!: string[];
  pathHash!: string;
  acceptBills!: boolean;
  createdAt!: Date;
  updatedAt!: Date;
}

export class CesExchange extends BaseModel {
  static override tableName = 'cc_exchanges';
  static override idColumn = 'community_id';

  communityId!: string;
  nid!: string;
  name!: string;
  country!: string;
  convRate!: string;
  createdAt!: Date;
  updatedAt!: Date;
}

export interface PendingAdmission {
  nid: string;
  name: string;
  country: string;
  requests: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export const NID = /^cen[0-9]{4}$/;

/** 32 random bytes: the data_url's path segment, unguessable, so a forged request from an allowed network still fails. */
export const newPathSecret = (): string => crypto.randomBytes(32).toString('base64url');
export const pathHash = (secret: string): string => crypto.createHash('sha256').update(secret).digest('hex');

/** Whether a path segment is the connection's, in constant time. */
export function pathMatches(conn: CcConnection, segment: string): boolean {
  const a = Buffer.from(pathHash(segment), 'hex');
  const b = Buffer.from(conn.pathHash, 'hex');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

const secretName = (communityId: string, what: 'password' | 'path') => `clearing-central.${what}@${communityId}`;

export interface CcStore {
  connection(communityId: string): Promise<CcConnection | null>;
  /** Every connection (one community scope each: there are few). */
  connections(communityIds: string[]): Promise<CcConnection[]>;
  exchangeByNid(nid: string): Promise<CesExchange | null>;
  exchangeByCommunity(communityId: string): Promise<CesExchange | null>;
  exchanges(): Promise<CesExchange[]>;
  sealSecrets(trx: Trx, communityId: string, s: { password?: string; path?: string }): Promise<void>;
  password(communityId: string): Promise<Redacted<string>>;
  pathSecret(communityId: string): Promise<string>;
  notePending(communityId: string, p: { nid: string; name: string; country: string }): Promise<void>;
  pending(communityId: string): Promise<PendingAdmission[]>;
  /** The exchange was admitted: no longer pending for this community. */
  clearPending(trx: Trx, nid: string): Promise<void>;
  /** Briefly cached values derived from the rows (an import-export account); forgotten at invalidate(). */
  remember<T>(key: string, load: () => Promise<T>): Promise<T>;
  invalidate(): void;
}

const CACHE_MS = 2000;
/** Misses are cached too (an unknown NID is asked once per CACHE_MS): bounded whatever callers send. */
const CACHE_MAX_ENTRIES = 10_000;

export function createCcStore(deps: { db: Database; keyring: Keyring }): CcStore {
  const { db, keyring } = deps;
  const memo = new Map<string, { v: Promise<unknown>; until: number }>();
  /** Forgotten here and in every other hub process on the database (docs/scale-out.md). */
  const forget = sharedForget(db.changes, 'clearing-central.exchanges', () => memo.clear());

  const remember = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    const hit = memo.get(key);
    if (hit && hit.until > Date.now()) return hit.v as Promise<T>;
    if (memo.size >= CACHE_MAX_ENTRIES) memo.clear();
    const v = load();
    memo.set(key, { v, until: Date.now() + CACHE_MS });
    v.catch(() => { if (memo.get(key)?.v === v) memo.delete(key); });
    return v;
  };

  const open = async (communityId: string, what: 'password' | 'path'): Promise<Redacted<string>> =>
    keyring.lookup(communityId)(secretName(communityId, what));

  return {
    connection: (id) => remember(`conn:${id}`, () => db.community(id, async (trx) => (await CcConnection.query(trx).findById(id)) ?? null)),
    async connections(ids) {
      const out: CcConnection[] = [];
      for (const id of ids) {
        const c = await db.community(id, async (trx) => CcConnection.query(trx).findById(id));
        if (c) out.push(c);
      }
      return out;
    },
    exchangeByNid: (nid) => remember(`nid:${nid}`, () => db.hub(async (trx) => (await CesExchange.query(trx).findOne({ nid })) ?? null)),
    exchangeByCommunity: (id) => remember(`ces:${id}`, () => db.hub(async (trx) => (await CesExchange.query(trx).findById(id)) ?? null)),
    exchanges: () => db.hub(async (trx) => CesExchange.query(trx).orderBy('nid')),

    async sealSecrets(trx, communityId, s) {
      for (const what of ['password', 'path'] as const) {
        const v = s[what];
        if (v !== undefined) await keyring.store(trx, communityId, { publicKey: secretName(communityId, what), secret: new Redacted(v) });
      }
    },
    password: (id) => open(id, 'password'),
    pathSecret: async (id) => (await open(id, 'path')).reveal(),

    notePending: (communityId, p) => db.community(communityId, async (trx) => {
      await trx.raw(
        `insert into cc_pending_admissions (community_id, nid, name, country) values (?::uuid, ?, ?, ?)
         on conflict (community_id, nid) do update
           set requests = cc_pending_admissions.requests + 1, last_seen_at = now(),
               name = excluded.name, country = excluded.country`,
        [communityId, p.nid, p.name.slice(0, 100), p.country.slice(0, 8)],
      );
    }),
    pending: (communityId) => db.community(communityId, async (trx) => {
      const rows = await trx('cc_pending_admissions').orderBy('last_seen_at', 'desc');
      return rows.map((r: Record<string, unknown>) => ({
        nid: r.nid as string, name: r.name as string, country: r.country as string, requests: Number(r.requests),
        firstSeenAt: r.first_seen_at as Date, lastSeenAt: r.last_seen_at as Date,
      }));
    }),

    async clearPending(trx, nid) {
      await trx('cc_pending_admissions').where({ nid }).delete();
    },

    remember,
    invalidate: forget,
  };
}
