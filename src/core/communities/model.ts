import { BaseModel } from '../../db/model';
import { CurrencyAccounts } from '../ledger';

export const COMMUNITY_KINDS = ['hosted', 'cxp', 'ces', 'peer'] as const;
export type CommunityKind = (typeof COMMUNITY_KINDS)[number];
export type CommunityStatus = 'active' | 'blocked';

/** Amounts in the community's own units, stroops as decimal strings (jsonb). */
export interface CommunitySettings {
  /** Most local currency the external trader may hold: bound on the community's trade deficit. */
  traderMaxBalance: string;
  /** Local currency the trader starts with, to pay incoming payments out. */
  traderCredit: string;
  /** Local currency the credit account starts with, to give members their credit. */
  creditBalance: string;
  defaultCreditLimit: string;
  defaultMaxBalance: string;
}

/**
 * A `peer` community is a currency another server keeps on the same ledger: the hub
 * holds none of its keys and only records its public accounts, rate and asset code
 * (which may differ from the code the community goes by in this hub).
 */
export interface PeerSettings {
  assetCode: string;
}

/** A community: one currency and its members, reached in one of four ways (kind). */
export class Community extends BaseModel {
  static override tableName = 'communities';
  static override jsonAttributes = ['ledgerAccounts', 'settings'];

  id!: string;
  code!: string;
  name!: string;
  kind!: CommunityKind;
  status!: CommunityStatus;
  /** Value of one local unit in HOUR = rateN / rateD. */
  rateN!: number;
  rateD!: number;
  ledgerAccounts!: CurrencyAccounts | Record<string, never>;
  ledgerStatus!: 'provisioning' | 'ready';
  settings!: CommunitySettings | PeerSettings | Record<string, never>;
  createdAt!: Date;
  updatedAt!: Date;
}
