import { BaseModel } from '../../db/model';
import { CurrencyAccounts } from '../ledger';

/**
 * How a community is reached. The core knows two kinds of its own: `hosted` (members on
 * this hub) and `peer` (a currency another server keeps, whose keys the hub never
 * holds). The other kinds are mirror kinds that protocols declare (`cxp`: an exchange
 * reached by CXP): a mirror currency hosted here, its members behind one import-export
 * account (src/core/exchanges).
 */
export type CommunityKind = string;
export const HOSTED = 'hosted';
export const PEER = 'peer';
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

/** A community: one currency and its members, reached in one of several ways (kind). */
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
  /** Set with a rate change, cleared once the ledger carries it (src/core/rates). */
  ledgerResyncAt?: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}
