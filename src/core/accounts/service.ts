/**
 * Accounts of hosted communities' members, and import-export accounts of mirror
 * communities. The row is written first (provisioning), the ledger account second, so a
 * crash in between is finished by resumeProvisioning() at the next start.
 */
import { Database } from '../../db/database';
import { formatAmount, isAmountError, parseAmount } from '../amounts';
import { audit } from '../audit';
import { Keyring } from '../keys';
import { Ledger, isLedgerError } from '../ledger';
import { currencyOf } from '../communities/currency';
import { Community } from '../communities/model';
import { AccountError } from './errors';
import { Account, AccountKind } from './model';

export interface CreateAccountInput {
  code?: string;
  kind?: AccountKind;
  /** Decimal strings in the community's units. */
  creditLimit?: string;
  maxBalance?: string;
}

export interface AccountService {
  create(community: Community, input: CreateAccountInput, actor: string): Promise<Account | AccountError>;
  get(community: Community, code: string): Promise<Account | AccountError>;
  getById(communityId: string, id: string): Promise<Account | AccountError>;
  /** Every account of the community, by code. */
  list(community: Community): Promise<Account[]>;
  /** Balance as users see it: ledger balance − credit limit (negative = in debt). */
  balance(community: Community, account: Account): Promise<bigint>;
  setLimits(community: Community, code: string, limits: { creditLimit?: string; maxBalance?: string }, actor: string): Promise<Account | AccountError>;
  resumeProvisioning(community: Community): Promise<number>;
  /**
   * Record an account another server keeps (a peer community's member): its public key,
   * no keys, nothing provisioned. The same key again returns the same account.
   */
  registerRemote(community: Community, input: { code: string; publicKey: string }, actor: string): Promise<Account | AccountError>;
  /** An account of the community by its public key. */
  getByPublicKey(community: Community, publicKey: string): Promise<Account | AccountError>;
}

const CODE = /^[A-Z0-9_-]{1,32}$/;

function amountOr(v: string | undefined, fallback: string, error: AccountError): bigint | AccountError {
  const a = parseAmount(v ?? fallback, { allowZero: true });
  return isAmountError(a) ? error : a;
}

export function createAccountService(deps: { db: Database; ledger: Ledger; keyring: Keyring }): AccountService {
  const { db, ledger, keyring } = deps;

  const provision = async (community: Community, acc: Account): Promise<void> => {
    await ledger.provisionAccount(currencyOf(community), acc, keyring.lookup(community.id));
    await db.community(community.id, async (trx) => { await Account.query(trx).patch({ ledgerStatus: 'ready' }).where({ id: acc.id }); });
    acc.ledgerStatus = 'ready';
  };

  return {
    async create(community, input, actor) {
      const settings = community.settings as { defaultCreditLimit?: string; defaultMaxBalance?: string };
      const creditLimit = amountOr(input.creditLimit, settings.defaultCreditLimit ?? '0', AccountError.InvalidCreditLimit);
      if (typeof creditLimit !== 'bigint') return creditLimit;
      const maxBalance = amountOr(input.maxBalance, settings.defaultMaxBalance ?? '1000', AccountError.InvalidMaxBalance);
      if (typeof maxBalance !== 'bigint') return maxBalance;
      if (input.code !== undefined && !CODE.test(input.code)) return AccountError.InvalidCode;
      const key = ledger.newKey();
      const acc = await db.community(community.id, async (trx): Promise<Account | AccountError> => {
        // Generated codes count up; concurrent creations skip numbers taken meanwhile.
        const count = await Account.query(trx).resultSize();
        for (let n = count + 1; n <= count + 100; n++) {
          const code = input.code ?? `${community.code}${String(n).padStart(4, '0')}`;
          const [row] = await trx('accounts')
            .insert({
              community_id: community.id, code, kind: input.kind ?? 'member', public_key: key.publicKey,
              credit_limit: creditLimit.toString(), max_balance: maxBalance.toString(),
            })
            .onConflict(['community_id', 'code']).ignore()
            .returning('*');
          if (!row) {
            if (input.code !== undefined) return AccountError.DuplicateCode;
            continue;
          }
          const created = Account.fromDatabaseJson(row);
          await keyring.store(trx, community.id, key);
          await audit(trx, { actor, action: 'account.create', subject: `account:${community.code}/${code}`, after: { code, creditLimit, maxBalance, kind: created.kind } });
          return created;
        }
        throw new Error(`could not find a free account code in ${community.code}`);
      });
      if (typeof acc === 'string') return acc;
      await provision(community, acc);
      return acc;
    },

    async get(community, code) {
      const a = await db.community(community.id, async (trx) => Account.query(trx).findOne({ code }));
      return a ?? AccountError.UnknownAccount;
    },

    async getById(communityId, id) {
      const a = await db.community(communityId, async (trx) => Account.query(trx).findById(id));
      return a ?? AccountError.UnknownAccount;
    },

    list: (community) => db.community(community.id, async (trx) => Account.query(trx).orderBy('code')),

    async balance(community, account) {
      return (await ledger.balance(currencyOf(community), account.publicKey)) - account.creditLimit;
    },

    async setLimits(community, code, limits, actor) {
      const acc = await this.get(community, code);
      if (typeof acc === 'string') return acc;
      const creditLimit = amountOr(limits.creditLimit, formatAmount(acc.creditLimit), AccountError.InvalidCreditLimit);
      if (typeof creditLimit !== 'bigint') return creditLimit;
      const maxBalance = amountOr(limits.maxBalance, formatAmount(acc.maxBalance), AccountError.InvalidMaxBalance);
      if (typeof maxBalance !== 'bigint') return maxBalance;
      const r = await ledger.setAccountLimits(currencyOf(community), { publicKey: acc.publicKey, creditLimit, maxBalance },
        { creditLimit: acc.creditLimit }, keyring.lookup(community.id));
      if (isLedgerError(r)) return AccountError.InsufficientBalance;
      return db.community(community.id, async (trx) => {
        await audit(trx, {
          actor, action: 'account.limits', subject: `account:${community.code}/${code}`,
          before: { creditLimit: acc.creditLimit, maxBalance: acc.maxBalance }, after: { creditLimit, maxBalance },
        });
        return Account.query(trx).patchAndFetchById(acc.id, { creditLimit, maxBalance });
      });
    },

    async registerRemote(community, input, actor) {
      if (community.kind !== 'peer') return AccountError.UnknownCommunity;
      if (!/^G[A-Z2-7]{55}$/.test(input.publicKey)) return AccountError.InvalidCode;
      const wanted = CODE.test(input.code) ? input.code : `K-${input.publicKey.slice(1, 11)}`;
      return db.community(community.id, async (trx): Promise<Account | AccountError> => {
        const known = await Account.query(trx).findOne({ public_key: input.publicKey });
        if (known) return known;
        // Codes are the peer's; another key under the same code gets the key as a suffix.
        for (const code of [wanted, `${wanted.slice(0, 20)}-${input.publicKey.slice(1, 11)}`]) {
          const [row] = await trx('accounts')
            .insert({
              community_id: community.id, code, kind: 'remote', public_key: input.publicKey,
              credit_limit: '0', max_balance: '0', ledger_status: 'ready',
            })
            .onConflict().ignore() // the key (registered meanwhile) or the code
            .returning('*');
          if (!row) {
            const raced = await Account.query(trx).findOne({ public_key: input.publicKey });
            if (raced) return raced;
            continue;
          }
          await audit(trx, { actor, action: 'account.register-remote', subject: `account:${community.code}/${code}`, after: { code, publicKey: input.publicKey } });
          return Account.fromDatabaseJson(row);
        }
        return AccountError.DuplicateCode;
      });
    },

    async getByPublicKey(community, publicKey) {
      const a = await db.community(community.id, async (trx) => Account.query(trx).findOne({ public_key: publicKey }));
      return a ?? AccountError.UnknownAccount;
    },

    async resumeProvisioning(community) {
      const pending = await db.community(community.id, async (trx) => Account.query(trx).where({ ledger_status: 'provisioning' }));
      for (const acc of pending) await provision(community, acc);
      return pending.length;
    },
  };
}
