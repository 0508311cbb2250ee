/**
 * The hub's Clearing Central registry: one row per NID (ccs_members). A row with a
 * data_url is a CES exchange served here (its `ces` mirror community, password hash,
 * caller allowlist); one without is a community of the hub listed so sellers can bill
 * its members, paid directly. Rows every txinput.php reads are kept for a moment (as
 * part 1's are); governance changes forget them at once.
 */
import { Database, Trx } from '../../../src/db/database';
import { sharedForget } from '../../../src/db/changes';
import { BaseModel } from '../../../src/db/model';

export type RequestFormat = 'post' | 'get';

export class CcsMember extends BaseModel {
  static override tableName = 'ccs_members';
  static override idColumn = 'community_id';

  communityId!: string;
  nid!: string;
  xid!: string;
  name!: string;
  country!: string;
  system!: string;
  convRate!: string;
  passwordHash!: string | null;
  allowedIps!: string[];
  dataUrl!: string | null;
  requestFormat!: RequestFormat | null;
  active!: boolean;
  createdAt!: Date;
  updatedAt!: Date;
}

/** Served here (forwards to a data_url) rather than a hub community listed under a NID. */
export const isServed = (m: CcsMember): boolean => m.dataUrl !== null;

export interface Registry {
  byNid(nid: string): Promise<CcsMember | null>;
  byXid(xid: string): Promise<CcsMember | null>;
  byCommunity(communityId: string): Promise<CcsMember | null>;
  list(): Promise<CcsMember[]>;
  /** The lowest free NID from cen0001. */
  freeNid(trx: Trx): Promise<string | null>;
  insert(trx: Trx, row: Partial<CcsMember>): Promise<CcsMember>;
  patch(communityId: string, p: Partial<CcsMember>): Promise<CcsMember>;
  invalidate(): void;
}

const CACHE_MS = 2000;

export function createRegistry(db: Database): Registry {
  const memo = new Map<string, { v: Promise<CcsMember | null>; until: number }>();
  /** Forgotten here and in every other hub process on the database (docs/scale-out.md). */
  const forget = sharedForget(db.changes, 'clearing-central.members', () => memo.clear());
  const remember = (key: string, load: () => Promise<CcsMember | null>) => {
    const hit = memo.get(key);
    if (hit && hit.until > Date.now()) return hit.v;
    if (memo.size > 10_000) memo.clear();
    const v = load();
    memo.set(key, { v, until: Date.now() + CACHE_MS });
    v.catch(() => memo.delete(key));
    return v;
  };
  const one = (where: Record<string, string>) => db.hub(async (trx) => (await CcsMember.query(trx).findOne(where)) ?? null);
  return {
    byNid: (nid) => remember(`nid:${nid}`, () => one({ nid })),
    byXid: (xid) => (xid === '' ? Promise.resolve(null) : remember(`xid:${xid}`, () => one({ xid }))),
    byCommunity: (id) => remember(`c:${id}`, () => one({ community_id: id })),
    list: () => db.hub(async (trx) => CcsMember.query(trx).orderBy('nid')),
    async freeNid(trx) {
      const taken = new Set((await trx('ccs_members').select('nid')).map((r: { nid: string }) => r.nid));
      for (let i = 1; i <= 9999; i++) {
        const nid = `cen${String(i).padStart(4, '0')}`;
        if (!taken.has(nid)) return nid;
      }
      return null;
    },
    insert: async (trx, row) => CcsMember.query(trx).insertAndFetch(row),
    async patch(communityId, p) {
      const row = await db.community(communityId, async (trx) => CcsMember.query(trx).patchAndFetchById(communityId, { ...p, updatedAt: new Date() }));
      forget();
      return row;
    },
    invalidate: forget,
  };
}
