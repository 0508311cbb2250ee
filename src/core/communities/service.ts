/**
 * The community registry. Creating a community also creates its vault data key in
 * the same transaction, so no community ever exists without one.
 */
import { Database, enterCommunity } from '../../db/database';
import { Vault } from '../../vault/vault';
import { CommunityError } from './errors';
import { COMMUNITY_KINDS, Community, CommunityKind } from './model';

export interface CreateCommunityInput {
  code: string;
  name: string;
  kind: CommunityKind;
}

export interface CommunityService {
  create(input: CreateCommunityInput): Promise<Community | CommunityError>;
  getByCode(code: string): Promise<Community | CommunityError>;
  list(): Promise<Community[]>;
}

export function createCommunityService(deps: { db: Database; vault: Vault }): CommunityService {
  const { db, vault } = deps;
  return {
    async create(input) {
      if (typeof input.code !== 'string' || !/^[A-Z0-9]{4}$/.test(input.code)) return CommunityError.InvalidCode;
      if (typeof input.name !== 'string' || input.name.trim().length < 1 || input.name.length > 100) return CommunityError.InvalidName;
      if (!COMMUNITY_KINDS.includes(input.kind)) return CommunityError.InvalidKind;
      return db.hub(async (trx) => {
        if (await Community.query(trx).findOne({ code: input.code })) return CommunityError.DuplicateCode;
        const community = await Community.query(trx).insertAndFetch({ code: input.code, name: input.name.trim(), kind: input.kind });
        await enterCommunity(trx, community.id);
        await vault.createCommunityKey(trx, community.id);
        return community;
      });
    },
    async getByCode(code) {
      const c = await db.hub(async (trx) => Community.query(trx).findOne({ code }));
      return c ?? CommunityError.UnknownCommunity;
    },
    list: () => db.hub(async (trx) => Community.query(trx).orderBy('code')),
  };
}
