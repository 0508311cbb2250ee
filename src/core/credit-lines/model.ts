import { BaseModel } from '../../db/model';

/** Community `communityId` accepts up to `limit` (its own units) of `peerId`'s HOUR. */
export class CreditLine extends BaseModel {
  static override tableName = 'credit_lines';
  static override idColumn = ['community_id', 'peer_id'];
  static override bigintColumns = ['limit'];

  communityId!: string;
  peerId!: string;
  limit!: bigint;
  createdAt!: Date;
  updatedAt!: Date;
}
