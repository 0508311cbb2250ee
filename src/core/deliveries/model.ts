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
  /** `cancelled`: its transfer was rejected, so there is nothing to tell. */
  state!: 'pending' | 'delivered' | 'refused' | 'cancelled';
  attempts!: number;
  nextAttemptAt!: Date;
  lastError!: string | null;
  result!: unknown;
  /** The hub process attempting it (core/processes.ts); others claim it only once that one is dead. */
  owner!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}
