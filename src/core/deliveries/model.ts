import { BaseModel } from '../../db/model';

/** Telling the other side about a transfer, retried until it acknowledges. */
export class Delivery extends BaseModel {
  static override tableName = 'deliveries';
  static override jsonAttributes = ['payload', 'result'];

  id!: string;
  communityId!: string;
  transferId!: string | null;
  /** Which protocol client delivers it, e.g. "cxp.relay", "komunitin.notify". */
  kind!: string;
  /** Where it goes (the peer's URL). */
  target!: string;
  payload!: unknown;
  state!: 'pending' | 'delivered' | 'refused';
  attempts!: number;
  nextAttemptAt!: Date;
  lastError!: string | null;
  result!: unknown;
  createdAt!: Date;
  updatedAt!: Date;
}
