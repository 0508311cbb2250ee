/**
 * The community registry and each community's currency on the ledger.
 *
 * Creating a community writes its row, data key and sealed account keys in one
 * transaction (status `provisioning`), then builds its currency on the ledger, then
 * marks it `ready`; resumeProvisioning() finishes whatever a crash interrupted.
 * Mirror communities (the kinds protocols declare) also get the import-export account that stands for
 * all the exchange's members, its credit limit and maximum balance being the circle's
 * min and max for that exchange.
 */
import { Database } from '../../db/database';
import { Logger } from '../../logger';
import { registerCommunity } from './registry';
import { Vault } from '../../vault/vault';
import { Rate, formatAmount, fromHour, isAmountError, isValidRate, parseAmount } from '../amounts';
import { audit } from '../audit';
import { Keyring } from '../keys';
import { CurrencyAccounts, Ledger } from '../ledger';
import { AccountService } from '../accounts/service';
import { isAccountError } from '../accounts/errors';
import { CommunityError } from './errors';
import { Trx } from '../../db/database';
import { Community, CommunityKind, CommunitySettings, HOSTED, PEER } from './model';
import { currencyOf } from './currency';

export const IMPORT_EXPORT_CODE = 'IMPORT-EXPORT';
const HOUR = 10_000_000n;

export interface CreateCommunityInput {
  code: string;
  name: string;
  kind: CommunityKind;
  /** Value of one local unit in HOUR; default 1/1. */
  rate?: Rate;
  /** Amounts as decimal strings in the community's units; defaults follow Komunitin. */
  settings?: Partial<CommunitySettings>;
  /** Mirror communities: the exchange's limits (min = −creditLimit, max = maxBalance). */
  importExport?: { creditLimit: string; maxBalance: string };
  /** Rows of the new community written in the same transaction as it (in its scope), e.g. a mirrored exchange's. */
  alsoWrite?: (trx: Trx, c: Community) => Promise<void>;
}

/** A currency another server keeps on the same ledger, as that server publishes it. */
export interface PeerCommunityInput {
  /** The code it goes by in this hub (its own, unless a community here has that one). */
  code: string;
  name: string;
  rate: Rate;
  /** Asset code of its local currency on the ledger. */
  assetCode: string;
  /** Its public accounts; the hub holds none of their keys. */
  ledgerAccounts: CurrencyAccounts;
}

export interface CommunityService {
  /** The mirror kinds the hub's protocols declared (`cxp`, …): communities with an import-export account. */
  readonly mirrorKinds: readonly string[];
  isMirror(c: Pick<Community, 'kind'>): boolean;
  create(input: CreateCommunityInput, actor?: string): Promise<Community | CommunityError>;
  /**
   * Record a peer community: no keys, nothing provisioned (its own server did that), so
   * it is ready at once. Credit lines to it can then be set like to any community.
   */
  registerPeer(input: PeerCommunityInput, actor: string): Promise<Community | CommunityError>;
  /** Follow a peer's rate and name as its server publishes them now (audited when changed). */
  refreshPeer(id: string, update: { rate: Rate; name: string }, actor: string): Promise<Community | CommunityError>;
  getByCode(code: string): Promise<Community | CommunityError>;
  getById(id: string): Promise<Community | CommunityError>;
  list(): Promise<Community[]>;
  setStatus(code: string, status: 'active' | 'blocked', actor: string): Promise<Community | CommunityError>;
  /** Finish communities and accounts a crash left half-built; returns the codes that failed. */
  resumeProvisioning(): Promise<string[]>;
}

function defaultSettings(rate: Rate, given: Partial<CommunitySettings> = {}): CommunitySettings | CommunityError {
  const local = (hours: bigint) => formatAmount(fromHour(hours * HOUR, rate, 'down'));
  const s: CommunitySettings = {
    traderMaxBalance: given.traderMaxBalance ?? local(1000n),
    traderCredit: given.traderCredit ?? local(100n),
    creditBalance: given.creditBalance ?? local(1_000_000n),
    defaultCreditLimit: given.defaultCreditLimit ?? '0',
    defaultMaxBalance: given.defaultMaxBalance ?? local(1000n),
  };
  for (const v of Object.values(s)) if (isAmountError(parseAmount(v, { allowZero: true }))) return CommunityError.InvalidSettings;
  return s;
}

export function createCommunityService(deps: {
  db: Database; vault: Vault; ledger: Ledger; keyring: Keyring; accounts: AccountService; logger: Logger;
  /** Declared by the protocols (see src/protocol.ts). */
  mirrorKinds?: readonly string[];
}): CommunityService {
  const { db, vault, ledger, keyring, accounts, logger } = deps;
  const mirrorKinds = [...(deps.mirrorKinds ?? [])];
  const isMirror = (c: Pick<Community, 'kind'>) => mirrorKinds.includes(c.kind);
  const amount = (s: string) => parseAmount(s, { allowZero: true }) as bigint;

  const provision = async (c: Community, importExport?: { creditLimit: string; maxBalance: string }): Promise<void> => {
    const s = c.settings as CommunitySettings;
    await ledger.provisionCurrency(currencyOf(c), keyring.lookup(c.id), {
      creditBalance: amount(s.creditBalance), traderCredit: amount(s.traderCredit),
    });
    if (isMirror(c)) {
      const existing = await accounts.get(c, IMPORT_EXPORT_CODE);
      if (isAccountError(existing)) {
        const r = await accounts.create(c, { code: IMPORT_EXPORT_CODE, kind: 'import_export', ...importExport }, 'system');
        if (isAccountError(r)) throw new Error(`could not create the import-export account of ${c.code}: ${r}`);
      }
    }
    await accounts.resumeProvisioning(c);
    await db.hub(async (trx) => { await Community.query(trx).patch({ ledgerStatus: 'ready' }).where({ id: c.id }); });
    c.ledgerStatus = 'ready';
  };

  const byCode = async (code: string) =>
    (await db.hub(async (trx) => Community.query(trx).findOne({ code }))) ?? CommunityError.UnknownCommunity;

  return {
    mirrorKinds,
    isMirror,

    async create(input, actor = 'system') {
      if (typeof input.code !== 'string' || !/^[A-Z0-9]{4}$/.test(input.code)) return CommunityError.InvalidCode;
      if (typeof input.name !== 'string' || input.name.trim().length < 1 || input.name.length > 100) return CommunityError.InvalidName;
      if (input.kind !== HOSTED && !mirrorKinds.includes(input.kind)) return CommunityError.InvalidKind;
      const rate = input.rate ?? { n: 1, d: 1 };
      if (!isValidRate(rate)) return CommunityError.InvalidRate;
      const settings = defaultSettings(rate, input.settings);
      if (typeof settings === 'string') return settings;
      if (input.importExport && (isAmountError(parseAmount(input.importExport.creditLimit, { allowZero: true }))
        || isAmountError(parseAmount(input.importExport.maxBalance, { allowZero: true })))) return CommunityError.InvalidSettings;

      const keys = { issuer: ledger.newKey(), credit: ledger.newKey(), admin: ledger.newKey(), externalIssuer: ledger.newKey(), externalTrader: ledger.newKey() };
      const ledgerAccounts = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, v.publicKey])) as unknown as CurrencyAccounts;
      const community = await db.hub(async (trx) => {
        const c = await registerCommunity(trx, vault, {
          code: input.code, name: input.name.trim(), kind: input.kind, rateN: rate.n, rateD: rate.d, settings, ledgerAccounts,
        });
        if (typeof c === 'string') return c;
        for (const k of Object.values(keys)) await keyring.store(trx, c.id, k);
        await audit(trx, { actor, action: 'community.create', subject: `community:${c.code}`, after: { name: c.name, kind: c.kind, rate, settings } });
        await input.alsoWrite?.(trx, c);
        return c;
      });
      if (typeof community === 'string') return community;
      await provision(community, input.importExport);
      return community;
    },

    async registerPeer(input, actor) {
      if (typeof input.code !== 'string' || !/^[A-Z0-9]{4}$/.test(input.code)) return CommunityError.InvalidCode;
      if (!/^[A-Za-z0-9]{1,12}$/.test(input.assetCode)) return CommunityError.InvalidCode;
      const name = (input.name ?? '').trim().slice(0, 100) || input.assetCode;
      if (!isValidRate(input.rate)) return CommunityError.InvalidRate;
      const keys = ['issuer', 'externalIssuer'] as const;
      if (keys.some((k) => !/^G[A-Z2-7]{55}$/.test(input.ledgerAccounts[k] ?? ''))) return CommunityError.InvalidSettings;
      return db.hub(async (trx) => {
        const settings = { assetCode: input.assetCode };
        const c = await registerCommunity(trx, vault, {
          code: input.code, name, kind: PEER, rateN: input.rate.n, rateD: input.rate.d,
          ledgerAccounts: input.ledgerAccounts, ledgerStatus: 'ready', settings,
        });
        if (typeof c === 'string') return c;
        await audit(trx, { actor, action: 'community.register-peer', subject: `community:${c.code}`, after: { name, rate: input.rate, ...settings, ledgerAccounts: input.ledgerAccounts } });
        return c;
      });
    },

    async refreshPeer(id, update, actor) {
      if (!isValidRate(update.rate)) return CommunityError.InvalidRate;
      return db.hub(async (trx) => {
        const before = await Community.query(trx).findById(id);
        if (!before || before.kind !== PEER) return CommunityError.UnknownCommunity;
        const name = update.name.trim().slice(0, 100) || before.name;
        if (before.rateN === update.rate.n && before.rateD === update.rate.d && before.name === name) return before;
        await audit(trx, {
          actor, action: 'community.refresh-peer', subject: `community:${before.code}`,
          before: { name: before.name, rate: { n: before.rateN, d: before.rateD } }, after: { name, rate: update.rate },
        });
        return Community.query(trx).patchAndFetchById(id, { rateN: update.rate.n, rateD: update.rate.d, name, updatedAt: new Date() });
      });
    },

    getByCode: byCode,

    async getById(id) {
      return (await db.hub(async (trx) => Community.query(trx).findById(id))) ?? CommunityError.UnknownCommunity;
    },

    list: () => db.hub(async (trx) => Community.query(trx).orderBy('code')),

    async setStatus(code, status, actor) {
      const before = await byCode(code);
      if (typeof before === 'string') return before;
      return db.hub(async (trx) => {
        await audit(trx, { actor, action: `community.${status === 'blocked' ? 'block' : 'unblock'}`, subject: `community:${code}`, before: { status: before.status }, after: { status } });
        return Community.query(trx).patchAndFetchById(before.id, { status });
      });
    },

    async resumeProvisioning() {
      const all = await db.hub(async (trx) => Community.query(trx).whereNot({ kind: PEER }));
      const failed: string[] = [];
      for (const c of all) {
        try {
          if (Object.keys(c.ledgerAccounts).length === 0) throw new Error('it has no ledger keys');
          if (c.ledgerStatus !== 'ready') await provision(c);
          else await accounts.resumeProvisioning(c);
        } catch (err) {
          // One broken community must not keep the hub from serving the others.
          logger.error({ err, community: c.code }, 'community could not be provisioned on the ledger');
          failed.push(c.code);
        }
      }
      return failed;
    },
  };
}

