import { BaseModel } from '../../db/model';

/**
 * A mirrored exchange: a community whose members live on another system (a CXP
 * exchange, a CES exchange behind Clearing Central) and all stand behind one
 * import-export account on a mirror currency the hub hosts. Its limits are kept in
 * HOUR, as the exchange agreed them, so a new rate re-applies them unchanged.
 */
export class MirrorExchange extends BaseModel {
  static override tableName = 'mirror_exchanges';
  static override idColumn = 'community_id';
  static override bigintColumns = ['creditLimitHour', 'maxBalanceHour'];

  communityId!: string;
  /** How far below zero the exchange may go, in HOUR stroops (its min is −creditLimitHour). */
  creditLimitHour!: bigint;
  /** The most the exchange may hold, in HOUR stroops. */
  maxBalanceHour!: bigint;
  /** Its first trade through the hub (a protocol may lock settings from then on). */
  firstTradeAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}

/** A balance the exchange declared that did not match its import-export account here. */
export interface BalanceMismatch {
  /** HOUR stroops, as the exchange declared its members' side. */
  declared: bigint;
  /** HOUR stroops the hub holds for the exchange. */
  hub: bigint;
  volume: bigint | null;
  at: Date;
}
