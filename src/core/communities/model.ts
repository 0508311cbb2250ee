import { Model, snakeCaseMappers } from 'objection';

export const COMMUNITY_KINDS = ['hosted', 'cxp', 'ces', 'peer'] as const;
export type CommunityKind = (typeof COMMUNITY_KINDS)[number];
export type CommunityStatus = 'active' | 'blocked';

/** A community: one currency and its members, reached in one of four ways (kind). */
export class Community extends Model {
  static override tableName = 'communities';

  id!: string;
  code!: string;
  name!: string;
  kind!: CommunityKind;
  status!: CommunityStatus;
  createdAt!: Date;
  updatedAt!: Date;

  static override get columnNameMappers() {
    return snakeCaseMappers();
  }
}
