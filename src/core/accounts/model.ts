import { BaseModel } from '../../db/model';

export type AccountKind = 'member' | 'import_export' | 'remote';

/**
 * An account of a community on the ledger: a member's, or the import-export account
 * that stands for all members of an exchange reached by CXP or Clearing Central.
 * Its ledger balance starts at the credit limit; what users see is balance − credit.
 * A `remote` account belongs to a peer community: an account another server keeps,
 * known here by its public key only (no keys, nothing provisioned).
 */
export class Account extends BaseModel {
  static override tableName = 'accounts';
  static override bigintColumns = ['creditLimit', 'maxBalance'];

  id!: string;
  communityId!: string;
  code!: string;
  kind!: AccountKind;
  publicKey!: string;
  creditLimit!: bigint;
  maxBalance!: bigint;
  ledgerStatus!: 'provisioning' | 'ready';
  status!: 'active' | 'blocked';
  createdAt!: Date;
  updatedAt!: Date;
}
