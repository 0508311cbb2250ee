import { BaseModel } from '../../db/model';

/**
 * new → submitted → settled → delivered, or rejected / failed / compensated.
 * `quoted` is for two-phase protocols that record a quote before committing.
 * `disputed`: settled, refused by the other side, and not paid back yet because the
 * payee's keys are on another server (its protocol asks for the money back; when it
 * comes back the transfer ends `compensated`).
 */
export type TransferState = 'new' | 'quoted' | 'submitted' | 'settled' | 'delivered' | 'rejected' | 'failed' | 'compensated' | 'disputed';
export const FINAL_STATES: TransferState[] = ['settled', 'delivered', 'rejected', 'failed', 'compensated'];

export class Transfer extends BaseModel {
  static override tableName = 'transfers';
  static override bigintColumns = ['amount', 'sourceAmount', 'sendMax'];
  static override jsonAttributes = ['path'];

  id!: string;
  /** The payer's community: it owns the row. */
  communityId!: string;
  payeeCommunityId!: string;
  /** protocol|origin|foreign id: the same key never pays twice. */
  idempotencyKey!: string;
  /** Hash of what was asked, to refuse the same key with a different request. */
  requestHash!: string;
  payerAccountId!: string;
  payeeAccountId!: string;
  /** What the payee receives, payee units (stroops). */
  amount!: bigint;
  /** What the payer paid (quoted, then actual), payer units. */
  sourceAmount!: bigint | null;
  sendMax!: bigint | null;
  path!: string[];
  state!: TransferState;
  /** Hash of the last submission, recorded before it was sent (its envelope: `submissions`). */
  ledgerHash!: string | null;
  errorCode!: string | null;
  errorMessage!: string | null;
  meta!: string;
  /** The hub process driving it while unfinished (core/processes.ts); null: none. */
  owner!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}
